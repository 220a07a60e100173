"""Testing helpers: the pytest plugin that runs scenario files with ``expect:`` blocks as tests."""
