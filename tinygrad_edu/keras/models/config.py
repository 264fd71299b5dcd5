"""Models as Keras 3 configs and back: a layer as ``{"module", "class_name", "config",
"registered_name", "build_config"}``, a functional model as its layers with their ``inbound_nodes``
(each call's inputs as ``[layer name, node index, tensor index]``, Keras' ``keras_history``) and its
input and output references. The JSON of real Keras 3 reads here and ours reads there.
"""

from __future__ import annotations

from typing import Any

from ..backend import auto_name
from ..layers.core import InputLayer, KerasTensor, Layer
from ..layers.serialize import deserialize_layer, serialize_layer
from ..layers.structure import flatten, map_structure

__all__ = ["deserialize_layer", "functional_config", "functional_from_config", "serialize_layer"]


# ----------------------------------------------------------------------------- functional graphs
def functional_config(model: Any) -> dict:
    graph = model.graph
    in_graph = {id(node) for node in graph.nodes}

    def calls(layer: Layer) -> list:
        return [node for node in layer._nodes if id(node) in in_graph]

    def ref(kt: KerasTensor) -> list:
        node = kt.node
        tensor_index = next(i for i, t in enumerate(flatten(node.outputs)) if t is kt)
        return [node.layer.name, calls(node.layer).index(node), tensor_index]

    def tensor(kt: KerasTensor) -> dict:
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": list(kt.shape), "dtype": kt.dtype, "keras_history": ref(kt)},
        }

    layers = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        nodes = [] if isinstance(layer, InputLayer) else calls(layer)
        entry["inbound_nodes"] = [{"args": [map_structure(tensor, n.inputs)], "kwargs": n.kwargs} for n in nodes]
        layers.append(entry)

    def refs(struct: Any) -> list:
        return ref(struct) if isinstance(struct, KerasTensor) else [ref(kt) for kt in flatten(struct)]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": refs(graph.inputs),
        "output_layers": refs(graph.outputs),
    }


def functional_from_config(cls: type, config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild the graph: make every layer, then call each on its inputs as soon as they exist
    (a layer's calls in their order); ValueError when some call's inputs are never made."""
    made: dict[tuple[str, int], Any] = {}
    pending: list[tuple[Layer, str, int, dict]] = []
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        name = entry.get("name", entry["config"].get("name"))
        if isinstance(layer, InputLayer):
            made[(name, 0)] = layer.tensor
        pending += [(layer, name, i, node) for i, node in enumerate(entry.get("inbound_nodes", []))]

    def resolve(struct: Any) -> Any:
        if isinstance(struct, dict) and struct.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = struct["config"]["keras_history"]
            auto_name("KerasTensor")  # Keras revives each reference as a placeholder KerasTensor, named
            return flatten(made[(name, node_index)])[tensor_index]
        if isinstance(struct, (list, tuple)):
            return [resolve(item) for item in struct]
        return struct

    while pending:
        ready = [p for p in pending if (p[1], p[2] - 1) in made or p[2] == 0]
        done = []
        for item in ready:
            layer, name, i, node = item
            try:
                args = resolve(node["args"][0])
            except KeyError:
                continue
            kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}  # mask=None, …
            made[(name, i)] = layer(args, **kwargs)
            done.append(item)
        if not done:
            waiting = sorted({p[1] for p in pending})
            raise ValueError(f"Graph disconnected: the calls of layers {waiting} wait for inputs that no layer makes")
        pending = [p for p in pending if p not in done]

    def tensors(refs: list) -> Any:
        if refs and isinstance(refs[0], str):
            return flatten(made[(refs[0], refs[1])])[refs[2]]
        return [flatten(made[(r[0], r[1])])[r[2]] for r in refs]

    return cls(tensors(config["input_layers"]), tensors(config["output_layers"]), name=config.get("name"))
