"""Knowledge distillation: a student with fewer layers, initialised from the teacher's own, and its loss.

The student is the teacher with some of its transformer layers left out (the embeddings, the kept
layers, the pooler and the head are the teacher's weights), so it starts close to the teacher
instead of from scratch (Sanh et al., 2019, DistilBERT). "spread" keeps layers evenly spaced and
always the last one (6 -> 3: layers 2, 4, 6; 6 -> 2: layers 3, 6), which keeps the top of the
network that the head was trained on; "first" keeps the bottom N.

The loss (Hinton et al., 2015) mixes the teacher's soft targets with the hard labels:
``alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels)``, where ``_T``
is a softmax at temperature T (T^2 keeps the gradient scale independent of T); with
``hidden_weight`` > 0 it adds the mean squared distance between each student layer's output and
the output of the teacher layer it was copied from (padding excluded).
"""
from __future__ import annotations

import copy
import re
from typing import Any, Callable, Optional, Sequence

import torch
import torch.nn.functional as F

from models.core.events import ModelDeskError

LAYER_CHOICES = ("spread", "first")
#: per-layer config lists (a pruned teacher's) that follow the layers a student keeps
LAYER_LISTS = ("layer_heads", "layer_intermediate")
_LAYER_KEY = re.compile(r"\.layer\.(\d+)\.")


def pick_layers(total: int, keep: int, choice: str = "spread") -> list[int]:
    """Indices (from 0) of the ``keep`` teacher layers the student starts from."""
    if choice not in LAYER_CHOICES:
        raise ModelDeskError(f"Choose the student's layers by {' or '.join(LAYER_CHOICES)}, not '{choice}'.")
    if not 1 <= keep < total:
        raise ModelDeskError(f"A student needs between 1 and {total - 1} layers: the teacher has {total}.")
    if choice == "first":
        return list(range(keep))
    return [(i + 1) * total // keep - 1 for i in range(keep)]


def make_student(teacher: Any, layers: Sequence[int]) -> Any:
    """A model of the teacher's class with only ``layers``, holding copies of the teacher's weights."""
    config = copy.deepcopy(teacher.config)
    if not hasattr(config, "num_hidden_layers"):
        raise ModelDeskError(f"A {config.model_type} model has no layer count that a student could reduce.")
    config.num_hidden_layers = len(layers)
    for name in LAYER_LISTS:
        values = getattr(config, name, None)
        if values is not None:
            setattr(config, name, [values[i] for i in layers])
    renumber = {teacher_layer: i for i, teacher_layer in enumerate(layers)}
    state = {}
    for key, value in teacher.state_dict().items():
        match = _LAYER_KEY.search(key)
        if match is None:
            state[key] = value
        elif int(match.group(1)) in renumber:
            state[f"{key[:match.start()]}.layer.{renumber[int(match.group(1))]}.{key[match.end():]}"] = value
    student = type(teacher)(config)
    try:
        student.load_state_dict(state)
    except RuntimeError:
        raise ModelDeskError(f"Distillation needs an encoder whose layers are numbered like BERT's; "
                             f"a {config.model_type} model is not.") from None
    parameter = next(teacher.parameters())
    return student.to(device=parameter.device, dtype=parameter.dtype)


def distillation_loss(student: Any, teacher: Any, labels: torch.Tensor, hard_loss: Callable[..., torch.Tensor],
                      temperature: float, alpha: float, hidden_weight: float = 0.0,
                      layers: Sequence[int] = (), attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The loss of one batch from the student's and the teacher's outputs (see the module docstring).

    Hidden states are matched only when ``hidden_weight`` > 0, and need both outputs made with
    ``output_hidden_states=True``; ``layers[j]`` is the teacher layer student layer j came from.
    """
    s_logits, t_logits = student.logits.float(), teacher.logits.float()
    soft = F.kl_div(F.log_softmax(s_logits / temperature, dim=-1), F.log_softmax(t_logits / temperature, dim=-1),
                    log_target=True, reduction="batchmean") * temperature ** 2
    loss = alpha * soft + (1.0 - alpha) * hard_loss(s_logits, labels)
    if hidden_weight > 0:
        distances = []
        for j, i in enumerate(layers):
            s_hidden, t_hidden = student.hidden_states[j + 1].float(), teacher.hidden_states[i + 1].float()
            weight = (torch.ones(s_hidden.shape[:2], device=s_hidden.device) if attention_mask is None
                      else attention_mask.to(s_hidden.device).float())[..., None]
            distances.append(((s_hidden - t_hidden) ** 2 * weight).sum() / (weight.sum() * s_hidden.shape[-1]))
        loss = loss + hidden_weight * torch.stack(distances).mean()
    return loss

