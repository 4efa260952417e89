from django.shortcuts import aget_object_or_404

__all__ = ["aget_object_or_404"]
