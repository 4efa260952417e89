"""Scan your own code: which of the kit's features it uses, and their verdicts on your release.

    python -m conformance.scan [--django X.Y] [--db BACKEND] [--format text|json]
        [--results PATH-or-URL] [--fail-on VERDICTS] PATH...

The code is read with ``ast`` and never imported (so neither it nor Django is run); verdicts
come from a merged ``results.json``. Modules: ``models`` (relations from the project's model
classes), ``finder`` (the findings), ``results`` (the results file), ``assess`` (verdicts and
releases), ``render`` (text and JSON).

Heuristics, all by name since there are no types to go on:

- **Models** are classes with a base named ``...Model`` or another model. Their
  ``ForeignKey``/``OneToOneField`` fields are forward relations; ``ForeignKey`` reverse names
  (``related_name``, else ``<model>_set``) are ``related.reverse-fk`` managers,
  ``ManyToManyField`` fields ``related.m2m`` and their reverse names ``related.m2m-reverse``,
  ``GenericRelation`` fields ``related.generic``. Attributes assigned a ``...Manager()`` are
  managers; ``@property`` methods that call a QuerySet method that queries are "querying
  properties". Models are read from every scanned file, not only ``models.py``.
- **A QuerySet** is ``<X>.objects`` (or ``_default_manager``, ``_base_manager``, a manager of
  the models, ``get_queryset()``, a related manager) followed by QuerySet methods that return
  QuerySets (``filter``, ``select_related``, slicing...), or a local name assigned one, or a
  parameter annotated ``QuerySet``/``Manager`` (``QuerySet[Article]``), or ``self`` in a
  method of a class deriving from a ``...QuerySet`` or ``...Manager``. Where only a QuerySet
  would work (awaiting an ``a``-method, ``async for``), so is a name Django gives QuerySets
  (``queryset``, ``qs``, ``object_list``, ``..._qs``, ``..._queryset``).
- **An instance** is a local name assigned from ``await qs.aget()``/``afirst()``/``acreate()``
  (and their sync twins), ``Model(...)``, ``aget_object_or_404(...)``, the target of a loop
  over a QuerySet, an item of a list made from one (``objs = await sync_to_async(list)(qs)``,
  then ``objs[0]`` or a loop over ``objs``, which runs no query), a parameter annotated with a
  model, or a name that reads as a model's
  (``article``, ``new_article`` for ``Article``). Its loaded relations are those named in the
  QuerySet's ``select_related``/``prefetch_related`` (all of them with no arguments), the
  keyword arguments it was built with, and attributes assigned to it. ``all()`` on a related
  manager its instance prefetched runs no query and is not reported; a name assigned
  ``qs.aiterator()`` and then iterated keeps what ``qs`` loaded.
- **Findings** in every ``async def`` (and ``async for``/``async with`` in it): ``a``-methods
  on QuerySets, managers, related managers, instances (``asave``/``adelete``/
  ``arefresh_from_db`` on anything but a QuerySet, a ``...cache`` or a ``...form``), sessions
  (a receiver named ``...session``), users (``...user``), signals, and the async shortcuts and
  auth functions -> ``form=async``; ``aiterator()`` over a prefetching QuerySet -> the kit's
  ``pattern.prefetch-related-aiterator[-chunk-size]``. Sync twins of those called directly
  (``Model.objects.get()``, ``obj.save()``, ``list(qs)``, ``for x in qs``,
  ``get_object_or_404`` imported from Django, ``auth.get_user`` after ``from django.contrib
  import auth``) -> ``form=sync`` with the twin's feature, unless awaited (a sync twin returns
  no awaitable: ``await channel.delete()`` is another library's coroutine). Django's functions
  called by bare name are not Django's when the module defines that name or imports it from
  elsewhere (a project's own ``aget_object_or_404``). Sync M2M
  ``add``/``remove``/``set``/``clear`` -> the kit's ``pattern.m2m-*``. A forward relation read
  on an instance that did not load it -> ``pattern.lazy-forward-fk`` (once per name and
  relation in a function); a querying property read -> ``pattern.model-property-query``.
  ``async with ...atomic(...)`` -> ``transaction.atomic-async-with``, judged by
  ``pattern.atomic-block`` when the results do not measure it. ``sync_to_async(f)(...)`` (or
  ``sync_to_async(lambda: ...)()``) where ``f`` is a sync twin -> ``form=wrapped`` with the
  native API's feature. Code passed to ``sync_to_async``, lambdas and nested functions that are
  not called are not scanned; a call in ``sync_to_async``'s argument
  (``sync_to_async(obj.save())``) runs in the coroutine and is.
- **Chains**: a plain function called from an ``async def`` (by name, or ``self.``/
  ``cls.``/``module.`` + name) that is defined in the scanned tree and not decorated with
  ``sync_to_async`` runs in the event loop too: it is scanned, up to three calls deep, and its
  findings carry the chain of calls that reaches them. Instances passed as arguments keep
  what they loaded.

Verdicts are the kit's, plus ``needs-await`` for a sync call whose async twin is native on the
chosen release (``assess`` explains how each form is judged).

Known limits: instances returned by the project's own functions or by ``sync_to_async`` around
a QuerySet method are not tracked, so a relation read on them is not reported, and a helper
reading ``obj.tags.all()`` on prefetched objects it was handed in a list is; reverse one-to-one
access (``player.profile``) is not reported, as the kit has no feature for it; sync session
access (``request.session["k"]``) and ``with transaction.atomic()`` inside a coroutine are not
reported; names are not resolved through imports, so two models or functions with one name are
told apart only by the file they are used in. A name Django gives QuerySets (``object_list``)
is read as one only where nothing else would work, so ``sync_to_async(list)(self.object_list)``
is not reported.
"""
