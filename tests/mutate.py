# ruff: noqa: E501  (the mutant table keeps one mutant per line)
"""Mutation testing for ``tinygrad_edu/keras`` and ``tinygrad_edu/nn``: do the tests notice a bug?

Each mutant is one deliberate bug (Dense ignoring its bias, Adam's step count stuck at 1, ...). The
script copies the package, the tests and the examples to a temporary folder, applies one mutant at
a time there (never to your checkout), runs the tests that should notice it (``pytest -x``, numba
off so nothing recompiles; the tests its ``focus`` names first, then, if they all pass, every test
file listed for it) and reports each mutant as killed (a test failed) or survived::

    python tests/mutate.py                          # every curated mutant against this checkout's tests
    python tests/mutate.py --only keras/optimizers  # the mutants whose file path contains this
    python tests/mutate.py --tests-from /work/main  # the same mutants, judged by another checkout's tests
    python tests/mutate.py --auto tinygrad_edu/keras/losses.py --max 15 --seed 0   # operator flips

``--tests-from`` is how the before/after figures are made: the mutants always go into this
checkout's code, the tests come from the other tree (test files it lacks are skipped, and tests
that already fail there without any mutant are deselected). ``--auto`` adds mutants made by
flipping one operator or comparison (``+``/``-``, ``*``/``/``, ``<``/``>``, ``==``/``!=``, ...) in
the given file, sampled with ``--seed``. The exit status is 1 when any mutant survives.

This file is not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERAS_TESTS = (
    "tests/test_keras_contract.py",
    "tests/test_keras_vs_keras.py",
    "tests/test_keras_cnn.py",
    "tests/test_keras_robust.py",
    "tests/test_keras.py",
)  # strongest first
NN_TESTS = ("tests/test_nn_pinned.py", "tests/test_layers.py", "tests/test_tensor_nn.py", "tests/test_losses.py")
NEW_TESTS = ("tests/test_keras_functional.py", "tests/test_keras_saving.py", "tests/test_keras_vs_keras.py")
FIT_TESTS = ("tests/test_keras_fit_extras.py",)
RNN_TESTS = ("tests/test_nn_rnn.py",)
SUMMARY_TESTS = ("tests/test_keras_summary.py",)
PROGBAR_TESTS = ("tests/test_keras_progbar.py",)
LOSS_TESTS = ("tests/test_keras_saturated_losses.py", "tests/test_keras_loss_reduction.py")
PLOT_TESTS = ("tests/test_keras_plotting.py", "tests/test_keras_api.py")
NAME_TESTS = ("tests/test_keras_names.py",)
TENSORBOARD_TESTS = ("tests/test_tensorboard.py", "tests/test_keras_tensorboard.py")
SUB_TESTS = ("tests/test_keras_subclassed_outputs.py",)
PATH_TESTS = ("tests/test_keras_weight_paths.py", "tests/test_keras_tensorboard.py")
ACTIVATION_TESTS = ("tests/test_keras_activations.py",)
CNN_KERNEL_TESTS = ("tests/test_cnn_kernels.py",)
TEAM_TESTS = ("tests/test_team.py", "tests/test_conv_threads.py", "tests/test_conv_layers.py")


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository root
    old: str  # must occur exactly once in the file
    new: str
    why: str
    tests: tuple[str, ...] = KERAS_TESTS
    jit: bool = False  # run the tests with the numba kernels on (code only they reach: the team's chunks)

    @property
    def focus(self) -> str:
        """A pytest -k expression for the tests most likely to catch this mutant, tried first."""
        return FOCUS.get(self.why, "")


K, N = "tinygrad_edu/keras/", "tinygrad_edu/nn/"
DATASET_TESTS = ("tests/test_keras_datasets.py",)
MUTANTS = [
    # ---- forward math of the layers
    Mutant(K + "layers/basic.py", "        return self.linear(float_input(x))\n", "        return F.linear(float_input(x), self.linear.weight)\n", "Dense ignores its bias"),
    Mutant(K + "layers/recurrent.py", "        self.cell.bias_hh = None  # Keras' SimpleRNN has one bias\n", "", "SimpleRNN keeps RNNCell's second bias"),
    Mutant(K + "layers/convolutional.py", "    pad_value = -np.inf\n", "    pad_value = 0.0\n", "MaxPooling2D 'same' pads with zeros"),
    Mutant(K + "layers/convolutional.py", "        return pooled if self.scale is None else pooled * Tensor(", "        return pooled if True else pooled * Tensor(", "AveragePooling2D 'same' counts the padding"),
    Mutant(K + "layers/convolutional.py", "    return total // 2, total - total // 2\n", "    return total - total // 2, total // 2\n", "'same' puts the larger half before"),
    Mutant(K + "layers/core.py", "                variable.assign(init_value(weight.initializer, variable.shape))", "                pass", "build skips the initializers"),
    Mutant(K + "layers/core.py", "                p = weight.regularizer(tensor)", "                p = weight.regularizer(tensor * 0)", "regularizers add nothing"),
    Mutant(K + "layers/convolutional.py", "    pool = staticmethod(conv.max_pool2d)", "    pool = staticmethod(conv.avg_pool2d)", "MaxPooling2D averages"),
    Mutant(K + "layers/basic.py", "momentum=1.0 - self.momentum", "momentum=self.momentum", "BatchNormalization momentum unconverted"),
    Mutant(K + "layers/basic.py", "unbiased_running_var=False", "unbiased_running_var=True", "BatchNormalization moving variance unbiased"),
    Mutant(K + "layers/basic.py", "self.dropout = nn.Dropout(rate)", "self.dropout = nn.Dropout(1 - rate)", "Dropout uses the keep probability"),
    Mutant(K + "layers/convolutional.py", '"kernel", self.conv.weight, (2, 3, 1, 0)', '"kernel", self.conv.weight, (3, 2, 1, 0)', "Conv2D kernel layout transposed"),
    Mutant(K + "activations.py", "LEAKY_RELU_SLOPE = 0.2", "LEAKY_RELU_SLOPE = 0.01", "Keras leaky_relu with PyTorch's slope", (*KERAS_TESTS, *ACTIVATION_TESTS)),
    Mutant(
        K + "layers/core.py",
        "Keras' layout and order.\"\"\"\n        return [v.numpy() for v in self.weights]",
        "Keras' layout and order.\"\"\"\n        return []",
        "Layer.get_weights returns []",
    ),
    Mutant(K + "layers/basic.py", "if self.training and flat.shape[0] == 1:", "if False:", "BatchNormalization aborts on a one-sample batch"),
    # ---- losses and metrics
    Mutant(K + "crossentropy.py", "F.binary_cross_entropy(out.clip(EPSILON, 1 - EPSILON), y, reduction", "F.binary_cross_entropy(out.clip(EPSILON, 1 - EPSILON), 1 - y, reduction", "binary cross-entropy targets flipped"),
    Mutant(K + "crossentropy.py", "F.nll_loss(_log_probabilities(out), labels, reduction", "F.nll_loss(out, labels, reduction", "sparse cross-entropy without the log"),
    Mutant(K + "losses.py", "metrics.accuracy(y.reshape(-1) > 0.5, pred.reshape(-1) > 0.5)", "metrics.accuracy(y.reshape(-1) > 0.5, pred.reshape(-1) <= 0.5)", "binary accuracy inverted"),
    Mutant(K + "losses.py", "signs = np.where(y > 0, 1.0, -1.0) if", "signs = y if", "hinge keeps 0/1 labels"),
    Mutant(K + "losses.py", "(Tensor(np.log(yc)) - out.clip(EPSILON, 1).log())", "(out.clip(EPSILON, 1).log() - Tensor(np.log(yc)))", "KL divergence sign"),
    Mutant(K + "crossentropy.py", "(out / out.sum(axis=-1, keepdims=True)).clip", "out.clip", "cross-entropy skips Keras' row scaling"),
    # ---- optimizers
    Mutant(K + "optimizers.py", "        t = self.iterations\n", "        t = 1\n", "Adam's step count stuck at 1"),
    Mutant(K + "optimizers.py", "self.learning_rate, self.rho, self.epsilon, 0.0)", "self.learning_rate, 0.0, self.epsilon, 0.0)", "Adadelta forgets its averages (ρ = 0)"),
    Mutant(K + "optimizers.py", '[0] if self.centered else None', '[0] if False else None', "RMSprop ignores centered"),
    Mutant(K + "optimizers.py", 'mom = self._slot(key, data, "momentum")[0] if self.momentum else None', "mom = None", "RMSprop ignores momentum"),
    Mutant(K + "optimizers.py", "eps_inside_sqrt=True, lr_in_buffer=True,", "eps_inside_sqrt=True, lr_in_buffer=False,", "RMSprop momentum with PyTorch's lr outside the buffer"),
    Mutant(K + "optimizers.py", "sgd_step(data, lr * grad, b, 1.0, mu,", "sgd_step(data, grad, b, lr, mu,", "SGD momentum in PyTorch's form (differs once lr changes)"),
    Mutant(K + "optimizers.py", "mu, 0.0, 0.0, self.nesterov, False)", "mu, 0.0, 0.0, False, False)", "SGD ignores nesterov"),
    Mutant(K + "optimizers.py", "eps = self.epsilon / math.sqrt(bias2)", "eps = self.epsilon", "Adam with PyTorch's ε placement"),
    Mutant(K + "optimizers.py", "0.0, eps_inside_sqrt=True)", "0.0, eps_inside_sqrt=False)", "Adagrad with ε outside the root"),
    Mutant(K + "optimizers.py", "fill=self.initial_accumulator_value", "fill=0.0", "Adagrad ignores initial_accumulator_value"),
    Mutant(K + "optimizers.py", "momentum_schedule(b1, t + 1, 1.0)\n", "u_t\n", "Nadam uses u_t for u_t+1"),
    # ---- callbacks
    Mutant(K + "callbacks.py", "            self.model.set_weights(self.best_weights)", "            pass", "restore_best_weights is a no-op"),
    Mutant(K + "callbacks.py", "np.float32(value - min_delta) > np.float32(reference)", "np.float32(value - min_delta) < np.float32(reference)", 'mode="max" compared the wrong way'),
    Mutant(K + "callbacks.py", "if self.wait >= self.patience and epoch > 0:", "if self.wait > self.patience and epoch > 0:", "EarlyStopping one epoch late"),
    Mutant(K + "callbacks.py", "if self.baseline is None or self._is_improvement(value, self.baseline):", "if True:", "EarlyStopping ignores baseline"),
    Mutant(K + "callbacks.py", "monitor, abs(min_delta), patience", "monitor, 0.0, patience", "EarlyStopping ignores min_delta"),
    Mutant(K + "callbacks.py", "        self.model.optimizer.learning_rate = float(lr)\n", "        pass\n", "LearningRateScheduler sets nothing"),
    # ---- fit, summary, weights files
    Mutant(K + "models/data.py", "split_at = math.floor(n * (1.0 - validation_split))", "split_at = math.ceil(n * (1.0 - validation_split))", "validation_split rounds the training part up"),
    Mutant(K + "models/data.py", "return tuple(take(a, slice(0, split_at)) for a in data)", "return tuple(take(a, slice(n - split_at, n)) for a in data)", "validation_split takes the first samples"),
    Mutant(K + "layers/core.py", "        mode = bool(training) if training is not None else _TRAINING.get()", "        mode = True if training is None else bool(training)", "a layer called alone runs in training mode"),
    Mutant(K + "layers/core.py", "            return self.call(inputs, *args, **kwargs)", "            return inputs", "a Layer subclass's call is never run"),
    Mutant(K + "models/training.py", "        self.optimizer.step()\n        self._loss_tracker.update_state(", "        self.optimizer.step()\n        self._loss_tracker.reset_state()\n        self._loss_tracker.update_state(", "batch hooks get the batch's own loss"),
    Mutant(K + "models/summary.py", 'f" Non-trainable params: {frozen:,} ({readable_size(f_bytes)})"', 'f" Non-trainable params: {trainable:,} ({readable_size(f_bytes)})"', "summary's non-trainable count"),
    Mutant(K + "models/weights_file.py", "        with atomic_write(path) as f:\n            write_h5", '        with open(path, "wb") as f:\n            write_h5', "save_weights writes in place"),
    Mutant(K + "models/weights_file.py", "if expected.get(key) != shape:", "if False:", "load_weights reads what any header claims"),
    Mutant(K + "models/training.py", "elif [id(p) for p in self.optimizer.params] != [id(p) for p in params]:", "elif False:", "a reused optimizer trains nothing"),
    Mutant(K + "models/training.py", "self.optimizer.step()\n        self._loss_tracker.update_state(loss.item(), sample_weight=data_.count(x))", "self.optimizer.step()\n        self._loss_tracker.update_state(loss.item())", "epoch loss not weighted by batch size"),
    Mutant(K + "models/trackers.py", "                e.state.update_state(y, pred)\n", "                e.state.reset_state()\n                e.state.update_state(y, pred)\n", "a Metric object's result weighed as one batch", NEW_TESTS + ("tests/test_keras_objects.py",)),
    # ---- functional models, several outputs, the new layers, saving (issue 22, part 2)
    Mutant(K + "models/model.py", "key=lambda key: (-layer_depth[key], self.first_seen[key])", "key=lambda key: self.first_seen[key]", "functional layers in walk order, not Keras' depth order", NEW_TESTS),
    Mutant(K + "models/summary.py", "    for node in layer._nodes:\n", "    for node in layer._nodes[:1]:\n", "Connected to lists only a shared layer's first call", NEW_TESTS),
    Mutant(K + "models/heads.py", "        term = loss * head.weight\n", "        term = loss\n", "loss_weights ignored", NEW_TESTS),
    Mutant(N + "rnn.py", "    return n + z * (h - n)\n", "    return h + z * (n - h)\n", "GRU with z and 1 − z swapped", RNN_TESTS),
    Mutant(N + "rnn.py", "c = f.sigmoid() * c + i.sigmoid() * g.tanh()", "c = i.sigmoid() * c + f.sigmoid() * g.tanh()", "LSTM input and forget gates swapped", RNN_TESTS),
    Mutant(N + "embedding.py", "        return Tensor.where(keep, out, self.weight.detach()[idx])", "        return out", "padding_idx row gets a gradient", RNN_TESTS),
    Mutant(K + "layers/recurrent.py", "GRU_BLOCKS = (1, 0, 2)", "GRU_BLOCKS = (0, 1, 2)", "Keras GRU weights in PyTorch's gate order", NEW_TESTS),
    Mutant(K + "layers/recurrent.py", "bias[units : 2 * units] = 1.0", "bias[:units] = 1.0", "unit_forget_bias on the input gate", NEW_TESTS),
    Mutant(K + "layers/conv_variants.py", "before = max(k - s, 0) // 2", "before = (max(k - s, 0) + 1) // 2", "Conv2DTranspose 'same' crops from the other side", NEW_TESTS),
    Mutant(K + "layers/conv_variants.py", "            return span - 1, 0\n", "            return 0, span - 1\n", "Conv1D 'causal' pads after", NEW_TESTS),
    Mutant(K + "models/keras_file.py", 'with atomic_write(path) as f, zipfile.ZipFile(f, "w")', 'with open(path, "wb") as f, zipfile.ZipFile(f, "w")', "save writes the .keras file in place", NEW_TESTS),
    Mutant(K + "losses.py", "        values = values * Tensor(weights)\n", "        values = values + 0 * Tensor(weights)\n", "sample weights ignored", FIT_TESTS),
    Mutant(K + "losses.py", "    return values.mean() if weights is None else total / max(values.numel(), 1)", "    return values.mean() if weights is None else total / float(weights.sum())", "weighted loss divided by the sum of the weights", FIT_TESTS),
    Mutant(K + "models/data.py", "class_weight.get(int(c), 1.0)", "class_weight.get(int(c), 0.0)", "classes without a class weight weigh 0", FIT_TESTS),
    Mutant(K + "models/data.py", "if self.current is None or self.steps_per_epoch is None:", "if True:", "steps_per_epoch restarts the data each epoch", FIT_TESTS),
    Mutant(K + "callbacks.py", "elif not improves(current, self.best, self.maximize):", "elif False:", "save_best_only saves every epoch", FIT_TESTS),
    Mutant(K + "models/optimizer_state.py", 'lambda o: [(("momentum", -1.0),)]', 'lambda o: [(("momentum", 1.0),)]', "SGD momentum saved with the door's sign", FIT_TESTS),
    Mutant(K + "serialization.py", "    return value == NEUTRAL[key]\n", "    return True\n", "unsupported config values dropped silently", NEW_TESTS),
    Mutant(K + "models/config.py", "return [node.layer.name, calls(node.layer).index(node), tensor_index]", "return [node.layer.name, 0, tensor_index]", "inbound nodes all point at a producer's first call", NEW_TESTS),
    # ---- nn and metrics (tests/test_nn_pinned.py)
    Mutant(N + "layers.py", "return x.softmax(self.dim)", "return x.softmax(-1)", "nn.Softmax ignores dim", NN_TESTS),
    Mutant(N + "layers.py", "def __init__(self, negative_slope: float = 0.01)", "def __init__(self, negative_slope: float = 0.02)", "LeakyReLU's default slope changed", NN_TESTS),
    Mutant(N + "init.py", "return normal_(x, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(x, mode)))", "return normal_(x, 0.4 * calculate_gain(nonlinearity, a) / math.sqrt(_fan(x, mode)), calculate_gain(nonlinearity, a) / math.sqrt(_fan(x, mode)))", "kaiming_normal_ shifted by 0.4σ", NN_TESTS),
    Mutant("tinygrad_edu/metrics.py", "np.add.at(out, (y_true, y_pred), 1)", "np.add.at(out, (y_pred, y_true), 1)", "confusion matrix transposed", (*NN_TESTS, "tests/test_plots.py")),
    # ---- issue 22 (KERAS4): Keras 3 files of subclassed models, weighted metrics, reductions, config keys
    Mutant(K + 'models/weights_file.py', 'return f"~{name}" if name.startswith("_") else name', 'return name', 'private attributes not last', ('tests/test_keras_subclass_files.py',)),
    Mutant(K + 'models/weights_file.py', '    if kind == "Model":', '    if False:', "subclassed model's layers property not walked", ('tests/test_keras_subclass_files.py',)),
    Mutant(K + 'models/weights_file.py', 'return f"{name}_{used[name]}" if used[name] else name', 'return f"{name}{used[name]}" if used[name] else name', 'container counter without underscore', ('tests/test_keras_subclass_files.py',)),
    Mutant(K + 'models/weights_file.py', 'own = [v for v in table if v.trainable] + [v for v in table if not v.trainable]', 'own = table', 'own vars in creation order', ('tests/test_keras_subclass_files.py',)),
    Mutant(K + 'layers/core.py', 'if isinstance(value, (list, tuple, dict)):\n        return [leaf for item in (value.values() if isinstance(value, dict) else value)', 'if isinstance(value, (list, tuple)):\n        return [leaf for item in (value.values() if isinstance(value, dict) else value)', 'dict-held layers untracked', ('tests/test_keras_subclass_files.py',)),
    Mutant(K + 'models/trackers.py', 'found[f"weighted_{metric.name}" if metric.name in unweighted else metric.name] = metric', 'found[metric.name] = metric', 'no weighted_ prefix', ('tests/test_keras_weighted_metrics.py',)),
    Mutant(K + 'models/trackers.py', 'metric.update_state(ys[0], preds[0], sample_weight=sample_weight)', 'metric.update_state(ys[0], preds[0])', 'weighted metrics unweighted', ('tests/test_keras_weighted_metrics.py',)),
    Mutant(K + 'losses.py', '        return total / divisor if divisor else total * 0.0', '        return total / values.numel()', 'mean_with_sample_weight divides by the count', ('tests/test_keras_loss_reduction.py',)),
    Mutant(K + 'losses.py', '    if reduction == "sum":\n        return total', '    if reduction == "sum":\n        return values.mean()', 'sum is a mean', ('tests/test_keras_loss_reduction.py',)),
    Mutant(K + 'losses.py', '            values = values.reshape(-1, 1)\n', '            w = w[..., 0]\n', '(N,1) weights squeezed', ('tests/test_keras_loss_reduction.py',)),
    Mutant(K + 'layers/convolutional.py', 'self.bias_initializer, self.bias_regularizer)]', 'self.bias_initializer)]', 'Conv2D bias regularizer unused', ('tests/test_keras_layer_configs.py',)),
    Mutant(K + 'layers/core.py', '            config[key] = serialization.config_entry(key, serialization.NEUTRAL.get(key))', '            pass', 'neutral keys not written', ('tests/test_keras_layer_configs.py',)),
    # ---- issue 21: in-place changes of graph tensors (versions of a node, writes through views)
    Mutant('tinygrad_edu/tensor_inplace.py', '        if me._used:', '        if False:', "a used tensor's old node forgotten", ("tests/test_torch_inplace_graph.py",)),
    Mutant('tinygrad_edu/tensor_inplace.py', '    return src.grad_fn is not src_fn or (src._vsrc is not None and _stale(src))', '    return src.grad_fn is not src_fn', 'a view of a view never stale', ("tests/test_torch_inplace_graph.py",)),
    Mutant('tinygrad_edu/tensor_inplace.py', '        if _stale(self):', '        if False:', 'a stale view written without a refresh', ("tests/test_torch_inplace_graph.py",)),
    Mutant('tinygrad_edu/tensor.py', '            if fn.saved_for:', '            if False:', 'every input saved', ("tests/test_torch_inplace_graph.py",)),
    # ---- KMEAS (issue 22, the guides measured beside Keras): configs, serialization, logs, outputs without a loss
    Mutant(K + 'serialization.py', '        return {"module": "keras", "class_name": "DTypePolicy", "config": policy, "registered_name": None}', '        return value or "float32"', 'dtype written as a plain string', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'serialization.py', '        value = initializers.get(value)', '        pass', 'initializer names not serialized', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'serialization.py', '        name = get_registered_name(value)', '        name = value.__name__', 'a function written by its own name, not its registered one', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'serialization.py', '    custom = {**(_SCOPE.get() or {}), **(custom_objects or {})}', '    custom = dict(custom_objects or {})', 'custom_object_scope ignored', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'layers/serialize.py', '    if isinstance(value, Layer):\n        return serialize_layer(value)', '    if False:\n        return serialize_layer(value)', 'a layer held in a config not serialized', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'serialization.py', '            config[key] = (config[key],) * rank', '            pass', 'sizes not written per axis', ('tests/test_keras_guides_saving.py',)),
    Mutant(K + 'layers/core.py', '    return x if x._data.dtype.kind == "f" else Tensor(x._data.astype(keras_config.floatx()))', '    return x', 'integer inputs not promoted to floatx', ('tests/test_keras_guides_training.py',)),
    Mutant(K + 'models/trackers.py', '    for key, value in sorted((logs or {}).items()):', '    for key, value in (logs or {}).items():', 'logs not sorted', ('tests/test_keras_guides_training.py',)),
    Mutant(K + 'models/training.py', '    values = [logs[k] for k in names if k in logs] + [logs[k] for k in sorted(logs) if k not in names]', '    values = list(logs.values())', "evaluate's list in log order", ('tests/test_keras_guides_training.py',)),
    Mutant(K + 'models/heads.py', '    return [(i, f"{heads[i].name}_loss") for i in own] if len(own) > 1 else []', '    return [(i, f"{heads[i].name}_loss") for i in own]', 'per-output losses logged with one loss', ('tests/test_keras_guides_training.py',)),
    Mutant(K + 'ops.py', '        dtype = config.floatx() if array.dtype.kind == "f" else "int32"', '        dtype = config.floatx() if array.dtype.kind == "f" else None', 'Python ints as int64', ('tests/test_keras_guides_training.py',)),
    # ---- issue 22 (KSHOW): Keras 3's summary table, progress bar, plot_model, clipped cross-entropies, frozen sublayers
    Mutant(K + "models/summary.py", "cut = min(w, round(excess / shares)) if excess > 0 else 0", "cut = min(w, excess // shares) if excess > 0 else 0", "summary columns shrunk by floor, not rich's rounding", SUMMARY_TESTS),
    Mutant(K + "models/summary.py", 'else s.rstrip()[: width - 1] + "…"', "else s.rstrip()[:width]", "summary cuts long names without the ellipsis", SUMMARY_TESTS),
    Mutant(K + "models/summary.py", "    if any(len(node.parents) > 1 for node in graph.nodes):\n        return False\n", "", "a merge without Connected to", SUMMARY_TESTS),
    Mutant(K + "models/summary.py", "    return n, 4 + (n - 1) * np.dtype(config.floatx()).itemsize", "    return n, n * np.dtype(config.floatx()).itemsize", "the optimizer's step counter sized as a float", SUMMARY_TESTS),
    Mutant(K + "models/summary.py", 'prefix = "   " * level + "└ " if level else ""', 'prefix = "  " * level + "└ " if level else ""', "expand_nested indents by two", SUMMARY_TESTS),
    Mutant(K + "models/summary.py", 'if layer.built else "0 (unbuilt)"', 'if True else "0 (unbuilt)"', "unbuilt layers counted as built", SUMMARY_TESTS),
    Mutant(K + "models/progbar.py", "hidden = 8 + (9 if done > 0 else 0) + 9", "hidden = 8 + 9 + 9", "progress line width counts an empty green bar", PROGBAR_TESTS),
    Mutant(K + "models/progbar.py", "if self.verbose and self.epochs > 1:", "if self.verbose:", "Epoch 1/1 printed", PROGBAR_TESTS),
    Mutant(K + "models/progbar.py", "if self._after_first_step is not None and current > 1:", "if False:", "time per step includes the first step", PROGBAR_TESTS),
    Mutant(K + "models/progbar.py", "self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)", "self.progbar.update(self.seen, sorted((logs or {}).items()), finalize=False)", "progress logs re-sorted: loss before compile_metrics' keys", SUB_TESTS),
    Mutant(K + "models/progbar.py", "small = abs(value) <= 1e-3 if verbose == 1 else value <= 1e-3", "small = abs(value) <= 1e-3", "verbose 2 writes negatives as verbose 1", PROGBAR_TESTS),
    Mutant(K + "models/progbar.py", "    return f\"{whole}s\"", "    return f\"{seconds:.0f}s\"", "time left rounded, not cut", PROGBAR_TESTS),
    Mutant(K + "crossentropy.py", "return (out / out.sum(axis=-1, keepdims=True)).clip(EPSILON, 1 - EPSILON).log()", "return (out / out.sum(axis=-1, keepdims=True)).log()", "categorical cross-entropies unclipped", LOSS_TESTS),
    Mutant(K + "crossentropy.py", "F.binary_cross_entropy(out.clip(EPSILON, 1 - EPSILON), y,", "F.binary_cross_entropy(out, y,", "binary cross-entropy unclipped", LOSS_TESTS),
    Mutant(K + "losses.py", "        broadcast_shape(tuple(values.shape), w.shape)", "        pass", "per-sample weights on per-step losses not Keras' error", LOSS_TESTS),
    Mutant(K + "metrics.py", "super().__init__(binary_crossentropy, name, dtype, from_logits=from_logits)", "super().__init__(binary_crossentropy, name, dtype)", "BinaryCrossentropy metric ignores from_logits", LOSS_TESTS),
    Mutant(K + "layers/core.py", "frozen = {id(v.tensor) for layer in self.layer_tree() if not layer.trainable for v in layer.weights}", "frozen: set[int] = set()", "a frozen sublayer's weights count as trainable", SUMMARY_TESTS),
    Mutant(K + "utils/plotting.py", "destination = destination.graph.flat_inputs[in_index].node.layer", "destination = destination.graph.flat_inputs[0].node.layer", "arrows into a nested model all reach its first input", PLOT_TESTS),
    Mutant(K + "utils/plotting.py", "    for layer in layers:\n        if _expands(layer, expand_nested):\n            _edges(", "    for layer in []:\n        if _expands(layer, expand_nested):\n            _edges(", "no arrows inside an expanded model", PLOT_TESTS),
    # ---- lead, session 8 (issue 22): metric state and keras.ops
    Mutant(K + "metrics.py", "                variable.value = value\n", "                pass\n", "a stateless call leaves its state in the metric", ("tests/test_keras_metric_state.py",)),
    Mutant(K + "metrics.py", "np.maximum(np.abs(y), config.epsilon())", "np.abs(y)", "MAPE divides by a zero target", ("tests/test_keras_objects.py",)),
    Mutant(K + "ops.py", "    return Tensor(np.moveaxis(out, -1, axis))", "    return Tensor(out)", "one_hot ignores axis", ("tests/test_keras_metric_state.py",)),
    # ---- issue 22 (KNAME): Keras 3's session-wide names, its dtype and file errors, torch's label error
    Mutant(K + "backend.py", '    return f"{prefix}_{count}" if count else prefix', '    return f"{prefix}_{count + 1}" if count else prefix', "the second name of a prefix is _2", NAME_TESTS),
    Mutant(K + "backend.py", "    _UIDS.clear()\n", "    pass\n", "clear_session keeps the counters", NAME_TESTS),
    Mutant(K + "layers/core.py", 'if not isinstance(self.name, str) or "/" in self.name:', "if not isinstance(self.name, str):", "a name with a slash taken", NAME_TESTS),
    Mutant(K + "models/sequential.py", '        auto_name("Functional")', "        pass", "a Sequential's build takes no functional number", NAME_TESTS),
    Mutant(K + "models/sequential.py", "            self.add(layer, rebuild=False)", "            self.add(layer)", "Sequential([...]) builds after every layer", NAME_TESTS),
    Mutant(K + "models/sequential.py", "            self.build(tuple(input_shape))", "            self.build((None, *input_shape[1:]))", "a first call's batch dropped", NAME_TESTS),
    Mutant(K + "models/model.py", '            name = auto_name("Functional")', "            name = auto_name(type(self).__name__)", "functional models named model", NAME_TESTS),
    Mutant(K + "models/model.py", "        if names.count(name) != 1:", "        if names.count(name) > 2:", "two layers of one name in a functional model", NAME_TESTS),
    Mutant(K + "models/cloning.py", "Input(batch_shape=kt.shape, dtype=kt.dtype, name=kt.name)", "Input(batch_shape=kt.shape, dtype=kt.dtype)", "cloned inputs named anew", NAME_TESTS),
    Mutant(K + "models/config.py", '            auto_name("KerasTensor")  #', "            pass  #", "revived tensor references take no number", NAME_TESTS),
    Mutant(K + "backend.py", '        raise ValueError(f"Invalid dtype: {name}")', '        raise TypeError(f"Invalid dtype: {name}")', "an unknown dtype is a TypeError", NAME_TESTS),
    Mutant(K + "models/keras_file.py", "    if not path.exists():  # Keras 3's ValueError and words (not FileNotFoundError)\n        raise ValueError(", "    if not path.exists():\n        raise FileNotFoundError(", "a missing .keras file is FileNotFoundError", NAME_TESTS),
    Mutant(N + "functional.py", '        raise IndexError(f"Target {bad} is out of bounds.', '        raise ValueError(f"Target {bad} is out of bounds.', "a label out of range is a ValueError", ("tests/test_torch_losses.py",)),
    Mutant(K + "models/trackers.py", "                e.state.update_state(y, pred)\n", "                pass\n", "a per-output Metric object never updated", ("tests/test_keras_metric_state.py",)),
    # ---- issue 22 (KSUB): a subclassed model's outputs, Keras 3's model.metrics (tests/test_keras_subclassed_outputs.py)
    Mutant(K + "models/heads.py", "label = name if name is not None or output_loss is None", "label = str(name) if True or output_loss is None", "unnamed outputs' losses not named by the loss", SUB_TESTS),
    Mutant(K + "models/trackers.py", 'key = f"{output}_{name}" if output else name', 'key = f"{output}_{name}"', "unnamed outputs' metrics prefixed", SUB_TESTS),
    Mutant(K + "models/trackers.py", 'key = f"{key}_{seen[key] - 1}"', "key = key", "a metric name met twice logged once", SUB_TESTS),
    Mutant(K + "models/training.py", "given = metrics is not None or weighted_metrics is not None", "given = True", "compile_metrics made without metrics", SUB_TESTS),
    Mutant(K + "models/training.py", "if metrics is None and weighted_metrics is None and self._compile_args is not None:", "if False:", "a compile without metrics drops the earlier ones", SUB_TESTS),
    Mutant(K + "models/training.py", "tracker.update_state(values[index].item(), sample_weight=len(flatten(y_pred)[0]))", "tracker.update_state(values[index].item())", "per-output losses not weighted by batch size", SUB_TESTS),
    Mutant(K + "models/training.py", "names += metric.metric_names if isinstance(metric, CompileMetrics) else [metric.name]", "names += [metric.name]", "evaluate's list without the compiled metrics' places", SUB_TESTS),
    Mutant(K + "models/training.py", "self.configure_outputs([None] * (len(y_pred) if isinstance(y_pred, (list, tuple)) else 1))", "self.configure_outputs([None])", "a subclassed model's outputs not counted", SUB_TESTS),
    Mutant(K + "models/data.py", "    return map_structure(lambda a: None if a is None else a[idx], x)", "    return x if isinstance(x, dict) else map_structure(lambda a: None if a is None else a[idx], x)", "a dict of inputs not cut into batches", SUB_TESTS),
    Mutant(K + "models/training.py", "order = list(loss) if by_name and isinstance(loss, dict) else None", "order = None", "a dict of outputs' loss trackers in output order, not the loss dict's", SUB_TESTS),
    Mutant(K + "models/training.py", "self.configure_outputs(list(y_pred) if isinstance(y_pred, OrderedDict) else sorted(y_pred))", "self.configure_outputs(list(y_pred))", "a dict of outputs taken in call's order, not sorted", SUB_TESTS),
    Mutant(K + "models/training.py", "                self.single_output_metrics(metrics)\n", "                pass\n", "a subclassed model saved before a step loses its metrics", SUB_TESTS),
    Mutant(K + "models/training.py", "        return compiled + attributes\n", "        return compiled\n", "Metric attributes left out of model.metrics (never reset)", SUB_TESTS),
    # ---- lead, session 9 (issue 22): Keras' own data sets, read without running pickled code
    Mutant(K + "datasets/sequences.py", "    rng.shuffle(order)\n", "", "texts not shuffled", DATASET_TESTS),
    Mutant(K + "datasets/sequences.py", "    start = [] if start_char is None else [start_char]", "    start = []", "no start character", DATASET_TESTS),
    Mutant(K + "datasets/sequences.py", "if len(text) < maxlen]", "if len(text) <= maxlen]", "texts of exactly maxlen words kept", DATASET_TESTS),
    Mutant(K + "datasets/sequences.py", "return [[w if skip_top <= w < num_words else oov_char", "return [[w if skip_top <= w <= num_words else oov_char", "the largest index kept without num_words", DATASET_TESTS),
    Mutant(K + "datasets/imdb.py", "    x_test, y_test = sequences.shuffled(rng, arrays[\"x_test\"], arrays[\"y_test\"])", "    x_test, y_test = sequences.shuffled(np.random.RandomState(seed), arrays[\"x_test\"], arrays[\"y_test\"])", "the test split shuffled from a fresh generator", DATASET_TESTS),
    Mutant(K + "datasets/reuters.py", "    n = int(len(texts) * (1 - test_split))", "    n = round(len(texts) * (1 - test_split))", "the split rounded, not cut", DATASET_TESTS),
    Mutant("tinygrad_edu/serialization.py", "        if (module, name) not in _ARRAY_NAMES:\n", "        if False:\n", "pickled globals not restricted", DATASET_TESTS),
    Mutant("tinygrad_edu/serialization.py", "        if not isinstance(seq, list) or not all(type(w) is int for w in seq):", "        if not isinstance(seq, list):", "texts not checked to be integers", DATASET_TESTS),
    Mutant("tinygrad_edu/datasets.py", "    default = keras_datasets_dir() if source.get(\"dest\") == \"keras\" else data_dir() / name", "    default = data_dir() / name", "Keras' sets downloaded outside Keras' cache", DATASET_TESTS),
    Mutant(K + "models/summary.py", "    if len(set(node_depth.values())) < len(graph.nodes):", "    if False:", "two heads at one depth summarised as a chain", SUMMARY_TESTS),
    Mutant(K + "losses.py", "        super().__init__(name=name or self.function, **kwargs)", "        super().__init__(name=name, **kwargs)", "built-in loss objects named by their class", NAME_TESTS),
    Mutant(K + "metrics.py", "        self.name = name or auto_name(type(self).__name__)", "        self.name = name or snake_case(type(self).__name__)", "custom metrics share one name", NAME_TESTS),
    Mutant(K + "layers/structure.py", "        keys = struct if isinstance(struct, OrderedDict) else sorted(struct)", "        keys = struct", "a dict of outputs flattened in insertion order", NAME_TESTS),
    Mutant(K + "layers/core.py", "                if weight.name == name:\n                    return Variable(self, weight)", "                if weight.name == name:\n                    pass", "dense.kernel not an attribute", ("tests/test_keras_weight_attributes.py",)),
    Mutant(K + "utils/random_seed.py", "    engine_random.manual_seed(seed)\n", "", "set_random_seed leaves the engine's generator alone", ("tests/test_keras_random_seed.py",)),
    Mutant(K + "utils/random_seed.py", "    np.random.seed(seed)\n", "", "set_random_seed leaves numpy alone", ("tests/test_keras_random_seed.py",)),
    Mutant("tinygrad_edu/datasets.py", "    expected_digests += [(f, \"md5\", d) for f, d in source.get(\"md5\", {}).items()]\n", "", "md5-checked files never downloaded", DATASET_TESTS),
    # ---- TensorBoard event files, SummaryWriter and the Keras callback
    Mutant("tinygrad_edu/event_file.py", "    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF\n", "    return crc\n", "event records carry unmasked CRCs", TENSORBOARD_TESTS),
    Mutant("tinygrad_edu/event_file.py", "_double(5, data @ data)", "_double(5, data.sum() ** 2)", "histogram sum of squares is the squared sum", TENSORBOARD_TESTS),
    Mutant("tinygrad_edu/utils/tensorboard.py", '_tag(main_tag).replace("/", "_")', "_tag(main_tag)", "add_scalars keeps / in its run directories", TENSORBOARD_TESTS),
    Mutant(K + "callbacks.py", 'val = {f"epoch_{k[4:]}": v', 'val = {f"epoch_{k}": v', "TensorBoard keeps the val_ prefix", TENSORBOARD_TESTS),
    Mutant(K + "callbacks.py", "or self._global_train_batch % self.update_freq:", "or batch % self.update_freq:", "TensorBoard counts batch summaries per epoch", TENSORBOARD_TESTS),
    Mutant(K + "optimizers.py", "        if self.schedule is not None:  # between steps", "        if False:  # between steps", "epoch_learning_rate is the last step's rate", TENSORBOARD_TESTS),
    Mutant(K + "callbacks.py", '_write("validation", optimizer.iterations, values)', '_write("validation", self._global_train_batch, values)', "evaluation summaries at the callback's batch count", TENSORBOARD_TESTS),
    # ---- saving a model never built (keras/models/keras_file.py)
    Mutant(K + "models/keras_file.py", "    if model.built:  # Keras writes no build_config", "    if True:  # Keras writes no build_config", "an unbuilt model's file says input_shape None", ("tests/test_keras_saving.py",)),
    Mutant(K + "models/keras_file.py", "        if model.built:  # an unbuilt model's optimizer", "        if True:  # an unbuilt model's optimizer", "loading a compiled unbuilt model restores no optimizer variables", ("tests/test_keras_saving.py",)),
    Mutant(K + "models/keras_file.py", '        entry["compile_config"] = None', "        pass", "no compile_config key for a model never compiled", ("tests/test_keras_saving.py",)),
    # ---- keras.activations
    Mutant(K + "activations.py", "out = x * (x > threshold) if threshold != 0 else x.relu()", "out = x.relu()", "relu ignores its threshold", ACTIVATION_TESTS),
    Mutant(K + "activations.py", "        out = out.clamp(0, max_value)", "        out = out", "relu ignores max_value", ACTIVATION_TESTS),
    Mutant(K + "activations.py", "else out - negative_slope * below", "else out + negative_slope * below", "relu's negative part added", ACTIVATION_TESTS),
    Mutant(K + "layers/core.py", "return keras_activations.name_of(name) or name", "return name", "a layer keeps keras.activations' function, not its name", ACTIVATION_TESTS),
    # ---- Keras' name scopes and weight paths
    Mutant("tinygrad_edu/keras/name_scope.py", "if stack and stack[-1][1] is layer and stack[-1][0] == layer.name:", "if False:", "a layer's scope opens twice (sequential/sequential/dense)", PATH_TESTS),
    Mutant("tinygrad_edu/keras/name_scope.py", "token = _STACK.set((*stack, (layer.name, layer)))", "token = _STACK.set(stack)", "scopes do not nest", PATH_TESTS),
    Mutant(K + "layers/core.py", 'if self.__dict__.get("_scope_path") is None and not self.built_at_init:', 'if self.__dict__.get("_scope_path") is None:', "pools and activations take a path", PATH_TESTS),
    Mutant(K + "layers/weights.py", "{self.layer.path or self.layer.name}/{self.name}", "{self.layer.name}/{self.name}", "a weight's path leaves out the scopes", PATH_TESTS),
    Mutant(K + "models/sequential.py", "            self.record_path()\n            for layer in self.stack:", "            for layer in self.stack:", "a Sequential built from an Input has no path", PATH_TESTS),
    Mutant("tinygrad_edu/kernels/conv.py", "dst[start + t] = plane[src + t]\n", "dst[start + t] = plane[src + t + 1]\n", "im2col's stride-1 run starts one column late", CNN_KERNEL_TESTS),
    Mutant("tinygrad_edu/kernels/conv.py", "if sw == 1:  # a contiguous run", "if sw >= 1:  # a contiguous run", "im2col takes every stride for 1", CNN_KERNEL_TESTS),
    # the team's convolution chunks (numba only: jit=True)
    Mutant("tinygrad_edu/kernels/conv_parts.py", "0.0 if b == 0 else 1.0, gw, o)", "0.0, gw, o)", "per-image dW keeps only the chunk's last image", TEAM_TESTS, jit=True),
    Mutant("tinygrad_edu/kernels/conv_parts.py", "        if bias:\n            c3[rows] = 1\n", "        if bias:\n            c3[rows] = 0\n", "deep chunk's ones row left at zero (bias dropped)", TEAM_TESTS, jit=True),
    Mutant("tinygrad_edu/kernels/conv_parts.py", "out[b, q, t] = y[q, b, t]", "out[b, q, t] = y[q, 0, t]", "deep chunk's layout copy reads the first image", TEAM_TESTS, jit=True),
    Mutant("tinygrad_edu/kernels/conv_parts.py", "if need_gx:\n        gx[...] = 0\n", "if need_gx:\n        pass\n", "chunk's dx not zeroed before col2im adds", TEAM_TESTS, jit=True),
    Mutant("tinygrad_edu/ops/conv.py", "[part.T for part in gw]", "[part.T for part in gw[:1]]", "team's dW from the first chunk only", TEAM_TESTS, jit=True),
    Mutant("tinygrad_edu/kernels/pool.py", "if sys.getrefcount(buffer) == _UNUSED:", "if sys.getrefcount(buffer) <= _UNUSED + 1:", "pool hands out a buffer still in use", ("tests/test_team.py",), jit=True),
]  # fmt: skip

FOCUS = {
    "functional layers in walk order, not Keras' depth order": "structure", "loss_weights ignored": "per_output",
    "Connected to lists only a shared layer's first call": "summary_of_a_functional",
    "Keras GRU weights in PyTorch's gate order": "gru", "unit_forget_bias on the input gate": "initial_biases",
    "Conv2DTranspose 'same' crops from the other side": "transpose", "Conv1D 'causal' pads after": "conv1d",
    "save writes the .keras file in place": "failed_save", "unsupported config values dropped silently": "unknown_config",
    "inbound nodes all point at a producer's first call": "shared",
    "Dense ignores its bias": "dense", "SimpleRNN without its recurrent term": "rnn", "MaxPooling2D averages": "pool",
    "BatchNormalization momentum unconverted": "batch_normalization_training",
    "BatchNormalization moving variance unbiased": "batch_normalization_training",
    "Dropout uses the keep probability": "dropout_statistics", "Conv2D kernel layout transposed": "layer_weights_and_set_weights",
    "Keras leaky_relu with PyTorch's slope": "forward_and_gradients and leaky",
    "Layer.get_weights returns []": "layer_weights_and_set_weights", "BatchNormalization aborts on a one-sample batch": "one_sample",
    "binary cross-entropy targets flipped": "probabilities and binary", "sparse cross-entropy without the log": "probabilities and sparse",
    "binary accuracy inverted": "metrics_match", "hinge keeps 0/1 labels": "probabilities and hinge",
    "KL divergence sign": "probabilities and kl", "cross-entropy skips Keras' row scaling": "probabilities and sparse",
    "Adam's step count stuck at 1": "many_steps and adam", "Adadelta never updates its delta accumulator": "many_steps and adadelta",
    "centered RMSprop with the wrong sign": "many_steps and centered", "RMSprop ignores momentum": "many_steps and centered",
    "SGD ignores nesterov": "many_steps and nesterov", "Adagrad ignores initial_accumulator_value": "many_steps and adagrad",
    "Nadam uses u_t for u_t+1": "many_steps and nadam", "restore_best_weights is a no-op": "restore",
    'mode="max" compared the wrong way': "early_stopping_decides", "EarlyStopping one epoch late": "patience_three",
    "EarlyStopping ignores baseline": "early_stopping_decides", "EarlyStopping ignores min_delta": "early_stopping_decides",
    "LearningRateScheduler sets nothing": "many_steps and sgd", "validation_split takes the first samples": "fit_history",
    "summary's non-trainable count": "summary", "save_weights writes in place": "midway",
    "load_weights reads what any header claims": "40_gb", "a reused optimizer trains nothing": "reused",
    "epoch loss not weighted by batch size": "short_last_batch", "validation_split rounds the training part up": "validation_split",
    "a layer called alone runs in training mode": "training_flag", "a Layer subclass's call is never run": "subclass",
    "batch hooks get the batch's own loss": "hooks", "nn.Softmax ignores dim": "softmax",
    "LeakyReLU's default slope changed": "leaky", "kaiming_normal_ shifted by 0.4σ": "kaiming", "confusion matrix transposed": "confusion",
}  # fmt: skip

FLIPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Lt: ast.Gt, ast.Gt: ast.Lt,
         ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}  # fmt: skip


def auto_mutants(path: str, count: int, seed: int) -> list[Mutant]:
    """Up to ``count`` mutants of ``path``, each flipping one operator on one line (sampled)."""
    source = (ROOT / path).read_text()
    lines = source.splitlines(keepends=True)
    found = []
    for node in ast.walk(ast.parse(source)):
        ops = [node.op] if isinstance(node, (ast.BinOp, ast.AugAssign)) else getattr(node, "ops", [])
        for op in ops if isinstance(node, (ast.BinOp, ast.AugAssign, ast.Compare)) else []:
            if type(op) in FLIPS:
                found.append((node.lineno, type(op), FLIPS[type(op)]))
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.Gt: ">",
               ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}  # fmt: skip
    mutants = []
    for lineno, op, flip in found:
        line = lines[lineno - 1]
        pattern = (
            rf"(?<=[\w)\] ]) {re.escape(symbols[op])}=? "
            if op in (ast.Add, ast.Sub, ast.Mult, ast.Div)
            else rf" {re.escape(symbols[op])} "
        )
        hits = list(re.finditer(pattern, line))
        if len(hits) != 1 or source.count(line) != 1:
            continue  # ambiguous on this line: skip rather than guess
        new_line = (
            line[: hits[0].start()] + hits[0].group().replace(symbols[op], symbols[flip], 1) + line[hits[0].end() :]
        )
        tests = KERAS_TESTS if path.startswith(K) else NN_TESTS
        mutants.append(Mutant(path, line, new_line, f"line {lineno}: {symbols[op]} -> {symbols[flip]}", tests))
    random.Random(seed).shuffle(mutants)
    return mutants[:count]


def run_tests(
    workdir: Path, tests: list[str], deselect: list[str], timeout: float, first_failure: bool = True, jit: bool = False
) -> subprocess.CompletedProcess:
    jit_switch = "1" if jit else "0"
    env = dict(os.environ, TINYGRAD_EDU_JIT=jit_switch, KERAS_BACKEND="torch", PYTHONPATH=str(workdir), CI="true")
    stop = ["-x"] if first_failure else []
    cmd = [sys.executable, "-m", "pytest", *stop, "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-rf", *tests]
    cmd += [f"--deselect={d}" for d in deselect]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the mutants whose file path contains this text")
    parser.add_argument("--tests-from", type=Path, default=ROOT, help="checkout whose tests/ judge the mutants")
    parser.add_argument("--auto", default=None, help="also flip operators in this file (path from the repo root)")
    parser.add_argument("--max", type=int, default=10, help="how many --auto mutants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without mutants (faster)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed run still removes its temporary copy
    mutants = [m for m in MUTANTS if args.only in m.path] + (
        auto_mutants(args.auto, args.max, args.seed) if args.auto else []
    )
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        work = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
        shutil.copytree(ROOT / "tinygrad_edu", work / "tinygrad_edu", ignore=ignore)
        shutil.copytree(ROOT / "examples", work / "examples", ignore=ignore)
        shutil.copytree(args.tests_from / "tests", work / "tests", ignore=ignore)
        shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
        available = {t for m in mutants for t in m.tests if (work / t).exists()}
        deselect = []
        if not args.no_baseline:  # tests that fail without any mutant cannot judge one: leave them out
            baseline = run_tests(work, sorted(available), [], args.timeout * 4, first_failure=False)
            deselect = re.findall(r"^FAILED (\S+)", baseline.stdout, re.M)
        print(
            f"tests from {args.tests_from}: {len(available)} files; deselected as failing without mutants: {deselect}"
        )
        killed, survived = [], []
        for m in mutants:
            target = work / m.path
            original = target.read_text()
            if original.count(m.old) != 1:
                print(f"  SKIP      {m.why}: the text to mutate is not found once in {m.path}")
                continue
            tests = [t for t in m.tests if (work / t).exists()]
            target.write_text(original.replace(m.old, m.new))
            start = time.perf_counter()
            try:
                done = None
                if m.focus:  # the likeliest killers first; only a mutant they miss gets the whole set
                    done = run_tests(work, [*tests, "-k", m.focus], deselect, args.timeout, jit=m.jit)
                if done is None or done.returncode in (0, 5):
                    done = run_tests(work, tests, deselect, args.timeout, jit=m.jit)
                alive = done.returncode == 0
                detail = "" if alive else (re.findall(r"^FAILED (\S+)", done.stdout, re.M) or ["error"])[0]
            except subprocess.TimeoutExpired:
                alive, detail = False, "timeout"
            finally:
                target.write_text(original)
            (survived if alive else killed).append(m)
            status = "SURVIVED" if alive else "killed  "
            print(f"  {status}  {m.path}: {m.why} ({time.perf_counter() - start:.0f}s) {detail}", flush=True)
    print(f"mutants tried {len(killed) + len(survived)}, killed {len(killed)}, survived {len(survived)}")
    for m in survived:
        print(f"  survivor: {m.path}: {m.why}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
