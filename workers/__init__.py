"""The Qt bridge: runs models/ calls on QThreads and turns their events into signals."""
