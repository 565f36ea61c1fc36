"""The top of the release: the release put together, run with the engine, and recovered.

``pipeline.run`` holds the commands (release, check, resume, rollback), ``pipeline.alone``
a step on its own, ``pipeline.assembly`` the release object's facts.
"""
