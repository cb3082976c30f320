"""Documents generated from the settings models, so the code is their single source.

``python -m tools.config_docs`` (run by ``make docs``) writes:

- ``docs/configuration.md``: the configuration reference, between generated-block markers;
- ``schema/stack-config.schema.json``: a JSON Schema of ``Pulumi.<stack>.yaml`` for editors;
- ``docs/errors.md``: every settings error and warning, each with an example and its real message.

``--check`` writes nothing and fails when a file is stale; ``tests/test_docs_generated.py`` does the same.
"""
