"""The Keras layer base: `Layer` (lazy build, per-call training flag, add_weight, symbolic calls,
configs), symbolic tensors (`KerasTensor`) and `Input`/`InputLayer`; the weights' views are `weights`'.

Shapes follow Keras 3: ``build(input_shape)`` and ``compute_output_shape(input_shape)`` receive the
batch axis first (None when it is open), so a subclass written for Keras runs as it is. Each layer
is an `nn.Module` whose weights live in PyTorch-layout modules underneath; a layer declares them in
`Layer.weight_table` (a `Weight` each: Keras name, engine tensors, the map from their layout to
Keras', initializer, regularizer, trainable). A subclass adds its own with `Layer.add_weight`.

Training flag, as Keras: a call runs in inference mode (Dropout off, BatchNormalization on its
moving statistics) unless ``training=True`` is passed, or it runs inside a call that has it (the
flag travels down to nested layers in a context variable); nothing about the mode is left behind.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import Tensor, activations, nn, no_grad
from .. import activations as keras_activations
from .. import config as keras_config
from .. import initializers, serialization
from .. import regularizers as regularizers_
from ..backend import auto_name, standardize_dtype
from ..name_scope import current_path, layer_scope
from .structure import flatten, is_shape, map_structure, map_structures
from .weights import Shape, Variable, Weight, assign_all, count_weights

_TRAINING: ContextVar[bool] = ContextVar("keras_training", default=False)
#: True inside a layer's call: the outermost call (Keras' entry layer) clears the `add_loss` losses first
_IN_CALL: ContextVar[bool] = ContextVar("keras_in_call", default=False)


def activation_name(name: Any) -> Any:
    """Check ``name`` against `tinygrad_edu.activations` (None means "linear"); one of
    ``keras.activations``' functions becomes its name (``keras.activations.relu`` → "relu", as Keras
    writes it in the config); a function of the user's (Keras takes any callable) is kept as it is."""
    if callable(name) and not isinstance(name, str):
        return keras_activations.name_of(name) or name
    return activations.get(name).name


def apply_activation(name: Any, x: Tensor) -> Tensor:
    if callable(name):
        return name(x)
    if name == "leaky_relu":  # Keras' slope, 0.2 (the engine's table has PyTorch's, 0.01)
        return keras_activations.leaky_relu(x)
    return activations.get(name).tensor(x)


def init_value(identifier: Any, keras_shape: Shape) -> np.ndarray:
    return initializers.get(identifier)(tuple(keras_shape)).astype(keras_config.floatx())


# ---------------------------------------------------------------- symbolic tensors and the graph
@dataclass(eq=False)
class Node:
    """One call of a layer on symbolic tensors: ``outputs = layer(inputs, **kwargs)``."""

    layer: Layer
    inputs: Any  # a KerasTensor or a list/tuple of them, as the layer was called
    kwargs: dict
    outputs: Any

    @property
    def parents(self) -> list[KerasTensor]:
        return flatten(self.inputs)


class KerasTensor:
    """Keras 3's symbolic tensor: a shape (None where it is open, the batch first), a dtype and a name;
    calling a layer on it records a `Node`, so ``keras.Model(inputs, outputs)`` can read the graph."""

    def __init__(self, shape: Shape, dtype: str | None = None, name: str | None = None) -> None:
        self.shape, self.dtype = tuple(shape), standardize_dtype(dtype)
        self.name = name or auto_name("KerasTensor")  # keras_tensor, keras_tensor_1, … per session
        self.node: Node | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def output_index(self) -> int:
        """Which output of the call that made it this tensor is (the last index of Keras' ``dense[0][1]``)."""
        return next(i for i, out in enumerate(flatten(self.node.outputs)) if out is self)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, ragged=False, name={self.name}>"


def as_tensor(x: Any) -> Any:
    """An array-like as a Tensor (floats as Keras' floatx; integers kept), a Tensor as it is."""
    if isinstance(x, Tensor) or x is None:
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"expected numbers, got an array of dtype {array.dtype}")
    return Tensor(array.astype(keras_config.floatx()) if array.dtype.kind == "f" else array)


def float_input(x: Tensor) -> Tensor:
    """Integer or boolean inputs as floatx, as Keras' ops promote them against float weights
    (``Dense`` on a 0/1 matrix of ints computes in float32 there)."""
    return x if x._data.dtype.kind == "f" else Tensor(x._data.astype(keras_config.floatx()))


@contextmanager
def call_context(module: nn.Module, training: bool) -> Iterator[None]:
    """Run ``module`` (and every module inside it) in training or inference mode for one call; the
    previous mode is put back afterwards."""
    token, was = _TRAINING.set(training), module.training
    module.train(training)
    try:
        yield
    finally:
        module.train(was)
        _TRAINING.reset(token)


#: the config keys of the layers with a kernel and a bias (Dense, the convolutions), after their own
KERNEL_KEYS = (
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
)
#: Keras arguments of those layers that this door does not model (written at None: no constraint)
CONSTRAINT_KEYS = ("kernel_constraint", "bias_constraint")


def _unknown_kwargs(cls: type, kwargs: dict) -> None:
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {cls.__name__}: {kwargs}")


#: The names of the built-in layers' weights (their `Weight` entries), which a built layer answers as attributes
WEIGHT_NAMES = frozenset(
    ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "embeddings", "recurrent_kernel")
)


class Layer(nn.Module):
    """Base of the Keras layers: lazy ``build``, ``call``, output shapes, Keras weights, activation.

    >>> from tinygrad_edu import keras
    >>> class Double(keras.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> Double()(np.ones((1, 2), np.float32)).numpy().tolist()
    [[2.0, 2.0]]
    """

    activation = "linear"
    config_keys: tuple[str, ...] = ()  # the constructor arguments that get_config writes
    config_neutral: tuple[str, ...] = ()  # Keras arguments not modelled here, written at their neutral value
    config_aliases: tuple[tuple[str, str], ...] = ()  # (config key, the attribute holding it) where they differ
    spatial_rank = 0  # convolutions and pools: their sizes (kernel_size, strides, …) are written per axis
    weights_subpath = ""  # where Keras' files keep the weights inside the layer's path ("cell/" for RNNs)
    built_at_init = False  # Keras builds it as it is made (pools, activations, Dropout): it never takes a `path`

    def __init__(
        self,
        *,
        input_shape: Shape | None = None,
        input_dim: int | None = None,
        name: str | None = None,
        trainable: bool = True,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        # Keras names a layer as it is made: the class name in snake_case, numbered by the session's
        # counter (dense, dense_1, … across every model; backend.clear_session starts it again)
        self.name = auto_name(type(self).__name__) if name is None else name
        if not isinstance(self.name, str) or "/" in self.name:
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={self.name} (of type {type(self.name)})"
            )
        kwargs.pop("batch_size", None)
        _unknown_kwargs(type(self), kwargs)
        if input_dim is not None:
            input_shape = (input_dim,)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.trainable = trainable
        self.built = False
        self.output_shape: Shape | None = None
        self.build_shape: Any = None
        self._nodes: list[Node] = []
        self._added: list[Weight] = []
        self._losses: list[Tensor] = []

    # ------------------------------------------------------------ names and symbolic outputs
    @property
    def type_name(self) -> str:
        return type(self).__name__

    def _obj_type(self) -> str:
        """How Keras 3's saving walks this object (``saving_lib``): "Layer" here; models say
        "Sequential", "Functional" (their layers keyed first) or "Model" (a subclassed model)."""
        return "Layer"

    @property
    def label(self) -> str:
        """The name used in messages (the layer's name)."""
        return self.name

    @property
    def path(self) -> str | None:
        """Keras' ``layer.path``: the name scopes open when the layer built, its own name last
        (``sequential/dense``); None before it is built."""
        return self.__dict__.get("_scope_path")

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's first call on symbolic tensors (Keras' ``layer.input``)."""
        if not self._nodes:
            raise AttributeError(f"Layer {self.label} has never been called and thus has no defined input.")
        return self._nodes[0].inputs

    @property
    def output(self) -> Any:
        """Keras 3's symbolic output: ``layer.output.shape`` is (None, ...), the batch left open."""
        if self._nodes:
            return self._nodes[0].outputs
        if self.output_shape is None:
            raise AttributeError(f"{self.label}: the layer has not been called yet, so it has no output")
        return KerasTensor((None, *self.output_shape), name=self.label)

    # ------------------------------------------------------------ build and call
    def build(self, input_shape: Any) -> None:
        """Subclasses make their modules, then call this: it draws every declared initializer in
        Keras' shape (in the table's order) and writes it through the layout permutation."""
        self.record_path()
        for weight in self.weight_table():
            if weight.initializer is not None:
                variable = Variable(self, weight)
                variable.assign(init_value(weight.initializer, variable.shape))
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape(s) for ``input_shape`` (batch first). By default, as Keras, found by running
        ``call``: on zeros with each open axis 1, then 2; the axes that follow them are open."""
        outs = []
        for fill in (1, 2):
            zeros = map_structure(
                lambda s, f=fill: np.zeros([f if d is None else d for d in s], keras_config.floatx()), input_shape
            )
            with no_grad():
                out = self(zeros)
            outs.append(map_structure(lambda t: tuple(t.shape), out))
        return map_structures(lambda a, b: tuple(x if x == y else None for x, y in zip(a, b)), outs[0], outs[1])

    def check_input_shape(self, input_shape: Any) -> None:
        """Keras' input check: the axes a built layer fixed must match (ValueError naming the layer)."""
        built = self.build_shape
        if built is None or not (is_shape(built) and is_shape(input_shape)):
            return
        if len(built) != len(input_shape):
            raise ValueError(
                f'Input 0 of layer "{self.label}" is incompatible with the layer: expected ndim={len(built)}, '
                f"found ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        for axis in range(1, len(built)):
            if built[axis] is not None and input_shape[axis] is not None and built[axis] != input_shape[axis]:
                raise ValueError(
                    f'Input 0 of layer "{self.label}" is incompatible with the layer: expected axis {axis} of '
                    f"input shape to have value {built[axis]}, but received input with shape {input_shape}"
                )

    def maybe_build(self, input_shape: Any) -> None:
        if self.built:
            self.check_input_shape(input_shape)
            return
        if self.input_shape is not None and is_shape(input_shape) and tuple(input_shape[1:]) != self.input_shape:
            raise ValueError(
                f"{self.label}: expected input shape {(None, *self.input_shape)}, got {(None, *input_shape[1:])}"
            )
        with layer_scope(self):
            self.record_path()
            self.build(input_shape)
        self.built = True
        self.build_shape = input_shape

    def record_path(self) -> None:
        """Keep the name scopes open as this layer first builds (or makes a weight) as the path of its
        weights (``sequential/dense``: `Variable.path` adds the weight's name), as Keras' layers do."""
        if self.__dict__.get("_scope_path") is None and not self.built_at_init:
            with layer_scope(self):
                self._scope_path = current_path()

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        """The layer's computation; the built-in layers: activation(pre_activation(x))."""
        return apply_activation(self.activation, self.pre_activation(inputs))

    def pre_activation(self, x: Tensor) -> Tensor:
        """The layer's output before its activation (the logits, for a softmax layer)."""
        return x

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if any(isinstance(leaf, KerasTensor) for leaf in flatten(inputs)):
            return self.symbolic_call(inputs, kwargs)
        inputs = map_structure(as_tensor, inputs)
        mode = bool(training) if training is not None else _TRAINING.get()
        entry = not _IN_CALL.get()
        if entry:  # Keras' entry layer: the losses of the previous call go
            self._clear_losses()
        token = _IN_CALL.set(True)
        try:
            with layer_scope(self):  # what the layer builds or calls nests under its name (Keras' paths)
                self.maybe_build(map_structure(lambda t: tuple(t.shape), inputs))
                if _accepts(self.call, "training"):
                    kwargs["training"] = mode
                with call_context(self, mode):
                    return self.call(inputs, *args, **kwargs)
        finally:
            _IN_CALL.reset(token)

    forward = __call__

    def symbolic_call(self, inputs: Any, kwargs: dict) -> Any:
        """A call on KerasTensors: build, infer the output shape, record the `Node`."""
        shapes = map_structure(lambda kt: kt.shape, inputs)
        with layer_scope(self):
            self.maybe_build(shapes)
            out_shapes = self.compute_output_shape(shapes)
        outputs = map_structure(KerasTensor, out_shapes)
        node = Node(self, inputs, kwargs, outputs)
        for kt in flatten(outputs):
            kt.node = node
        self._nodes.append(node)
        if is_shape(out_shapes):
            self.output_shape = out_shapes[1:]
        return outputs

    # ------------------------------------------------------------ weights
    def weight_table(self) -> list[Weight]:
        """This layer's built-in weights in Keras' order, one `Weight` each: the one place a layer says
        which weights it has; empty for weightless layers (and before ``build`` made the modules)."""
        return []

    def add_weight(
        self,
        shape: Shape | None = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Tensor:
        """Keras' ``add_weight``: a new weight of ``shape`` drawn from ``initializer`` (default
        glorot_uniform, as Keras 3), returned as the engine tensor to compute with."""
        if constraint is not None:
            raise NotImplementedError(f"{self.label}.add_weight: constraints are not supported")
        self.record_path()
        value = init_value("glorot_uniform" if initializer is None else initializer, tuple(shape or ()))
        name = name or f"variable{'_' + str(len(self._added)) if self._added else ''}"
        if trainable:
            tensor = nn.Parameter(value)
            self.__dict__.setdefault("_added_parameters", []).append(tensor)
        else:
            tensor = Tensor(value)
            self.register_buffer(f"_added_{len(self._added)}", tensor)
        self._added.append(Weight(name, tensor, None, None, regularizers_.get(regularizer), trainable))
        return tensor

    def sublayers(self) -> list[Layer]:
        """The Keras layers this layer holds in attributes, or in lists, tuples and dicts held in
        attributes, each once, in the order the attributes were set (Keras' tracking order)."""
        found: list[Layer] = []
        for value in vars(self).values():
            for layer in layers_in(value):
                if all(layer is not other for other in found):
                    found.append(layer)
        return found

    def __getattr__(self, name: str) -> Variable:
        """A built-in weight by its Keras name (``dense.kernel``, ``bn.moving_mean``), as Keras' layers
        expose theirs; AttributeError before ``build`` has made it, as in Keras."""
        if name in WEIGHT_NAMES and self.__dict__.get("built"):
            for weight in self.weight_table():
                if weight.name == name:
                    return Variable(self, weight)
        return object.__getattribute__(self, name)  # the AttributeError a property raised, with its own words

    @property
    def weights(self) -> list[Variable]:
        """Keras' ``layer.weights``: its own (trainable first, then non-trainable), then its sublayers'."""
        table = [Variable(self, w) for w in (self.weight_table() if self.built else [])]
        table += [Variable(self, w) for w in self._added]
        own = [v for v in table if v.trainable] + [v for v in table if not v.trainable]
        return own + [v for layer in self.sublayers() for v in layer.weights]

    @property
    def trainable_weights(self) -> list[Variable]:
        """The weights that train: none of a frozen layer's, nor of any layer inside a frozen one (Keras 3)."""
        if not self.trainable:
            return []
        frozen = {id(v.tensor) for layer in self.layer_tree() if not layer.trainable for v in layer.weights}
        return [v for v in self.weights if v.trainable and id(v.tensor) not in frozen]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trains = {id(v.tensor) for v in self.trainable_weights}
        return [v for v in self.weights if id(v.tensor) not in trains]

    def layer_tree(self) -> list[Layer]:
        """The layers inside this one, at any depth (a model's ``layers``, a layer's tracked sublayers)."""
        children = getattr(self, "layers", None)
        children = self.sublayers() if children is None else children
        return [tree for child in children for tree in (child, *child.layer_tree())]

    # ------------------------------------------------------------ losses added in call
    def add_loss(self, loss: Any) -> None:
        """Keras' ``add_loss``: a scalar (or a list of them) computed in ``build``/``call`` that training adds
        to the compiled loss; the outermost call of a layer clears those of the call before."""
        for value in flatten(loss):
            if not isinstance(value, Tensor):
                raise ValueError(
                    "`add_loss()` can only be called from inside `build()` or `call()`, on a tensor input. "
                    f"Received invalid value: {value}"
                )
            self._losses.append(value)

    def _clear_losses(self) -> None:
        self._losses.clear()
        for layer in self.sublayers():
            layer._clear_losses()

    @property
    def losses(self) -> list[Tensor]:
        """Keras' ``losses``: this layer's and its sublayers' `add_loss` values, then the regularization
        penalties of its weights (the sum that training adds to the loss)."""
        added = [*self._losses, *(x for layer in self.sublayers() for x in layer.losses)]
        own_penalty = self._regularization()
        return added if own_penalty is None else [*added, own_penalty]

    def _regularization(self) -> Tensor | None:
        total = None
        for weight in [*self.weight_table(), *self._added]:
            for tensor in weight.tensors if weight.regularizer is not None else ():
                p = weight.regularizer(tensor)
                total = p if total is None else total + p
        return total

    def penalty(self) -> Tensor | None:
        """The sum of `losses` (what training adds to the compiled loss), or None when there are none
        (the penalties are sums over elements, so they read the tensors in either layout)."""
        total = None
        for loss in self.losses:
            total = loss if total is None else total + loss
        return total

    def count_params(self) -> int:
        """The numbers this layer holds, trainable or not, as Keras' ``count_params``."""
        return count_weights(self.weights)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as numpy arrays in Keras' layout and order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Any) -> None:
        """Load weights given in Keras' layout and order (as ``get_weights`` returns them).

        Raises:
            ValueError: the layer is not built, or the count or a shape differs (nothing is changed then).
        """
        if not self.built:
            raise ValueError(f"set_weights: layer {self.label!r} is not built yet; build the model first")
        assign_all(self.weights, weights, self.label)

    def get_config(self) -> dict:
        """Keras' layer config: name, trainable, dtype, then the constructor arguments named in
        `config_keys` (read from the attributes of those names, or of `config_aliases`), and the
        Keras arguments of `config_neutral` at the value where they change nothing
        (`serialization.NEUTRAL`'s, else None), so the keys are Keras'; values as Keras writes them
        (`serialization.config_entry`: the dtype policy, initializers as objects, …)."""
        config = {"name": self.label, "trainable": self.trainable}
        config["dtype"] = serialization.config_entry("dtype", keras_config.floatx())
        for key in self.config_keys:
            value = getattr(self, dict(self.config_aliases).get(key, key))
            config[key] = serialization.config_entry(key, value)
        for key in self.config_neutral:
            config[key] = serialization.config_entry(key, serialization.NEUTRAL.get(key))
        return serialization.per_axis(config, self.spatial_rank) if self.spatial_rank else config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """A new layer from `get_config`'s dict (or real Keras'); see `serialization.constructor_kwargs`.

        Raises:
            TypeError: an argument the layer does not take, or a value it refuses (naming the layer).
        """
        label = config.get("name") or cls.__name__
        try:
            return cls(**serialization.constructor_kwargs(cls, config, label))
        except (TypeError, ValueError) as err:  # Keras' error type when a config cannot be used
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' (layer {label!r}) from its config: {err}"
            ) from None

    def __repr__(self) -> str:
        return f"<{self.type_name} name={self.label}, built={self.built}>"


def layers_in(value: Any) -> list[Layer]:
    """The layers in ``value``: itself if it is one, else the leaves of its lists, tuples and dicts."""
    if isinstance(value, Layer):
        return [value]
    if isinstance(value, (list, tuple, dict)):
        return [leaf for item in (value.values() if isinstance(value, dict) else value) for leaf in layers_in(item)]
    return []


def _accepts(fn: Any, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class InputLayer(Layer):
    """The model's input, ``InputLayer(shape=(784,))``: the shape of one sample (without the batch
    axis; None for an open axis); it holds no weights. A Sequential does not list it in
    ``model.layers``; a functional model does, first (as in Keras)."""

    def __init__(
        self,
        shape: Shape | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        batch_shape: Shape | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)  # named first (input_layer, input_layer_1, …), as Keras
        if batch_shape is not None:
            if shape is not None:
                raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None:
            raise ValueError("You must pass a `shape` argument.")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if not all(d is None or (isinstance(d, (int, np.integer)) and d >= 0) for d in shape):
            raise ValueError(f"InputLayer: shape must be non-negative integers or None (no batch axis), got {shape}")
        self.input_shape = shape  # a Sequential reads its input shape here
        self.batch_size = batch_size
        self.dtype = standardize_dtype(dtype)
        self.built = True
        self.output_shape = shape
        tensor = KerasTensor((batch_size, *shape), self.dtype, name=name)
        self.tensor = tensor
        node = Node(self, [], {}, tensor)
        tensor.node = node
        self._nodes.append(node)

    def get_config(self) -> dict:
        batch_shape = [self.batch_size, *self.input_shape]
        config = {"batch_shape": batch_shape, "dtype": self.dtype, "name": self.label}
        return config | dict.fromkeys(("sparse", "ragged", "optional"), False)  # Keras' keys, not modelled


def Input(
    shape: Shape | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    batch_shape: Shape | None = None,
    name: str | None = None,
    **kwargs: Any,
) -> KerasTensor:
    """``keras.Input(shape=(784,))``: a symbolic tensor of shape (batch_size, *shape), the start of a
    functional model (or the first entry of a `Sequential`).

    >>> from tinygrad_edu import keras
    >>> x = keras.Input(shape=(4,), name="x")
    >>> x.shape, x.dtype, x.name
    ((None, 4), 'float32', 'x')
    >>> keras.layers.Dense(2)(x).shape
    (None, 2)
    """
    sparse = kwargs.pop("sparse", None)
    if sparse:
        raise NotImplementedError("Input(sparse=True) is not supported")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name, **kwargs)
    return layer.tensor
