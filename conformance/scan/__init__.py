"""Scan your own code: which of the kit's features it uses, and their verdicts on your release.

    python -m conformance.scan [--django X.Y] [--db BACKEND] [--format text|json|sarif|github]
        [--results PATH-or-URL] [--fail-on VERDICTS] [--strict] [--include F] [--exclude P] PATH...

The code is read with ``ast`` and never imported (so neither it nor Django is run); verdicts
come from a merged ``results.json``, and so does the list of async APIs the scan looks for.
User documentation: ``docs/scan.md``.

Modules, in the order a run uses them:

- ``sources``: which files (excluded folders, ``--include``/``--exclude``), read as Python
  reads source (BOM, coding line);
- ``config``: ``[tool.conformance-scan]`` in the project's ``pyproject.toml`` and
  ``# conformance: ignore[...]`` comments;
- ``vocabulary``: the async APIs by owner, built from the results' feature ids and the kit's
  owner table, plus the shape of Django's API no results file carries (QuerySet builders...);
- ``models``: relations, managers and querying properties of the project's model classes;
- ``symbols``: imports followed to their origin (aliases, in-tree re-exports, star imports),
  classes to their kind (a model, a QuerySet, a Django owner, a third-party class);
- ``tree``: the whole tree indexed once (models per app, functions, classes, globals,
  functions returning QuerySets, attributes set in other methods);
- ``receivers`` and ``finder``: one ``Scanner`` per ``async def`` (and the plain functions it
  calls, up to three calls deep) types each receiver (annotations, ``isinstance``,
  constructors, ``getattr``, attributes, returned QuerySets) before reading its method's name;
  a receiver typed as another library's is never a finding, and a finding whose receiver was
  typed by its name alone is marked not certain;
- ``results`` and ``assess``: the verdict on the chosen cell, the releases where the native
  form works, the minimum release (add-on columns only when asked for) and the advice;
- ``render``: text, JSON, SARIF 2.1.0 and GitHub workflow commands.

Known limits: instances returned by the project's own functions are not tracked, so a relation
read on them is not reported; reverse one-to-one access (``player.profile``) is not reported, as
the kit has no feature for it; sync session access is found on ``request.session`` only (a
``session`` elsewhere is as often SQLAlchemy's or aiohttp's);
``sync_to_async(list)(self.object_list)`` is read as a list, as it often holds one.
"""
