"""Speech to text: audio sources and VAD, the recogniser, streaming and live sessions, transcripts."""
