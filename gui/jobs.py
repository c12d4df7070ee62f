"""The job registry: every job the GUI can start, named once, with its target in models/.

Pages start jobs with these specs (``runner.start(key, jobs.CLASSIFY_TEXTS, texts=[...])``),
never with a target string of their own. ``MODEL`` jobs load a model and receive the runtime
options (device, backend, pickle consent) from the runner, merged from the settings into every
job's arguments in one place (``workers.runner.JobRunner._make``). A test binds every page's
arguments to its target's signature. Training jobs (classifier, compression, GAN) run in their own
engine process, so Stop now or a crash in the main engine leaves an hour-long run going.
"""
from __future__ import annotations

from workers.runner import TRAINING_ENGINE, JobSpec

#: the runtime options a model-loading job receives
MODEL = ("device", "backend", "allow_pickle")

WARM_UP = JobSpec("models.core.runtime:warm_up", ("device",))
LIST_MODELS = JobSpec("models.core.store:list_models")
IMPORT_MODEL = JobSpec("models.core.store:import_folder")
DOWNLOAD_MODEL = JobSpec("models.core.downloads:download", ("allow_pickle",))
PARTIAL_DOWNLOADS = JobSpec("models.core.downloads:partial_downloads")
MACHINE = JobSpec("models.core.catalogue:machine")
HF_CACHE = JobSpec("models.core.hfcache:cached_models")
HF_CACHE_DELETE = JobSpec("models.core.hfcache:delete_cached")
REMOVE_MODEL = JobSpec("models.core.store:remove")
EXPORT_ONNX = JobSpec("models.core.exports:export_model", MODEL)
READ_TEXT = JobSpec("models.core.fileio:read_user_text")
LIST_RUNS = JobSpec("models.core.runs:run_titles")
REPLAY_RUN = JobSpec("models.core.runs:replay")

CLASSIFY_TEXTS = JobSpec("models.classify.classifier:classify_texts", MODEL)
CLASSIFY_FILE = JobSpec("models.classify.classifier:classify_file", MODEL)
FILE_COLUMNS = JobSpec("models.classify.classifier:file_columns")
DESCRIBE_LABELLED = JobSpec("models.classify.tabular:describe_labelled")
TRAIN_CLASSIFIER = JobSpec("models.classify.training:train_classifier", MODEL, engine=TRAINING_ENGINE)
EVALUATE_CLASSIFIER = JobSpec("models.classify.evaluation:evaluate_classifier", MODEL)
COMPRESS_CLASSIFIER = JobSpec("models.classify.compress:compress_classifier", MODEL, engine=TRAINING_ENGINE)
MEASURE_CLASSIFIERS = JobSpec("models.classify.tradeoff:measure_classifiers", MODEL)

GENERATE = JobSpec("models.generate.generator:generate", MODEL)
GENERATE_DESCRIBE = JobSpec("models.generate.generator:describe", MODEL)
GENERATE_CONTEXT = JobSpec("models.generate.generator:context_usage", MODEL)
SAVE_CONVERSATION = JobSpec("models.generate.chat:save")
LOAD_CONVERSATION = JobSpec("models.generate.chat:load")

TRANSLATE = JobSpec("models.translate.translator:translate", MODEL)
TRANSLATE_FILE = JobSpec("models.translate.translator:translate_file", MODEL)
TRANSLATE_DESCRIBE = JobSpec("models.translate.translator:describe", MODEL)
SAVE_TEXT = JobSpec("models.core.fileio:write_text")

FACES_GENERATE = JobSpec("models.faces.generation:generate", MODEL)
FACES_INTERPOLATE = JobSpec("models.faces.generation:interpolate", MODEL)
FACES_TRAIN = JobSpec("models.faces.training:train_faces", MODEL, engine=TRAINING_ENGINE)
#: pickle consent comes from the Import tab's own question, for the one file
FACES_IMPORT = JobSpec("models.faces.tutorial_import:import_tutorial_generator")

TRANSCRIBE_FILE = JobSpec("models.transcribe.files:transcribe_file", MODEL)
TRANSCRIBE_LIVE = JobSpec("models.transcribe.live:run_live", MODEL)
INPUT_DEVICES = JobSpec("models.transcribe.audio:list_input_devices")
PLAY_AUDIO = JobSpec("models.transcribe.playback:play")

#: every spec above, by its name here
REGISTRY: dict[str, JobSpec] = {name: spec for name, spec in globals().items() if isinstance(spec, JobSpec)}
