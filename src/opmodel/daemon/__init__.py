"""The warm command server: ``opmodel daemon start`` keeps one process with the command line's
libraries imported; each later ``opmodel`` command of the same installation is forked from it
and runs with the caller's arguments, folder, environment and terminal (docs/daemon.md).

* :mod:`.wire`: where the server listens, which installation it serves, the messages;
* :mod:`.client`: what every ``opmodel`` command does first (standard library only);
* :mod:`.server`: the server itself.

Nothing here is imported at start-up unless a server's socket exists.
"""
