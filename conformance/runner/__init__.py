"""The half of the kit that runs inside Django: the pytest plugin, the probes, the database
settings, the surface discovery and the suite. It writes one results file per session; the
other half (``conformance.report``) works from those files alone."""
