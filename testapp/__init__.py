"""The Django project the conformance suite runs against: the reference's examples' models."""
