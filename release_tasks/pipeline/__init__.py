"""The top of the release: the plan put together, run with the engine, and recovered.

``pipeline.run`` holds the commands (release, check, resume, rollback, a step alone);
``pipeline.assembly`` the release object's facts.
"""
