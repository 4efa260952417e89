"""Django async ORM conformance kit.

Two halves meet at the results schema: the suite (run inside a Django environment by the
pytest plugin) writes one results file per session, and the report step reads them back
without ever importing Django.
"""
