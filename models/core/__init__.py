"""What every task shares: events and cancellation, paths, atomic file IO, the model cache,
device/thread/backend choice, the model store and training runs on disk."""
