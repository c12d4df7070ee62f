"""Every job that loads a model takes the runtime options the GUI passes to all of them."""
from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

from models.core import runtime
from models.core.events import ModelDeskError

RUNTIME_OPTIONS = {"device": "cpu", "backend": "onnx-int8", "allow_pickle": True}
#: the models/ functions the GUI runs as jobs that load a model
MODEL_JOBS = ("models.classify.classifier:classify_texts", "models.classify.classifier:classify_file",
              "models.classify.evaluation:evaluate_classifier", "models.classify.training:train_classifier",
              "models.classify.onnx_export:export_classifier", "models.generate.generator:generate",
              "models.translate.translator:translate", "models.translate.translator:languages",
              "models.transcribe.files:transcribe_file", "models.transcribe.live:run_live",
              "models.transcribe.onnx_export:export_recognizer",
              "models.faces.generation:generate", "models.faces.generation:interpolate",
              "models.faces.training:train_faces", "models.faces.onnx_export:export_generator")


def job(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("target", MODEL_JOBS)
def test_each_model_job_takes_device_backend_and_allow_pickle(target):
    parameters = inspect.signature(job(target)).parameters
    if target.endswith(":train_classifier"):  # its options travel as TrainConfig fields
        fields = {f.name for f in dataclasses.fields(job("models.classify.training:TrainConfig"))}
        assert {"device", "allow_pickle"} <= fields and "backend" in parameters
        return
    for name, value in RUNTIME_OPTIONS.items():
        assert name in parameters, f"{target} lacks {name}"
        assert parameters[name].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert parameters[name].default == {"device": "auto", "backend": "torch", "allow_pickle": False}[name]


def test_backends_are_parsed_and_onnx_without_an_onnx_path_is_an_error_not_a_switch():
    assert runtime.parse_backend("onnx-int8") is runtime.Backend.ORT_INT8
    with pytest.raises(ModelDeskError, match="Unknown backend 'tensorrt'; choose one of torch, onnx-fp32, onnx-int8."):
        runtime.parse_backend("tensorrt")
    events: list = []
    runtime.torch_only("torch", "generating", events.append)
    assert events == []
    with pytest.raises(runtime.BackendUnavailable) as caught:
        runtime.torch_only("onnx-fp32", "generating", events.append, model="gpt-tiny")
    assert str(caught.value) == ("gpt-tiny has no ONNX fp32 export for generating yet: export it on the Models page, "
                                 "or choose PyTorch.")
    assert isinstance(caught.value, ModelDeskError) and events == []
