"""A project's own user model (``AUTH_USER_MODEL``), for the custom-user checks of each cell."""
