"""What a matrix run needs from the machine, kept out of the noxfile so it only declares sessions.

- ``names``: every environment variable the noxfile and provisioning read, defined once;
- ``releases``: the Django releases a run covers (feature releases, a PyPI pre-release, a source);
- ``pythons``: finding the Pythons those releases need;
- ``processes``: running a child with a time limit, stopped with terminate then kill;
- ``postgresql``: the throwaway PostgreSQL server's lifetime (start, stop, reap);
- ``mariadb``: which MariaDB server, if any, a run uses;
- ``servers``: the URL a column's cells connect to;
- ``system``: the operating system packages a driver needs to build;
- ``envs``: one environment per Django release, shared by its stock backends.

Importing any of them does no work: every function is called by a session or by the noxfile.
"""
