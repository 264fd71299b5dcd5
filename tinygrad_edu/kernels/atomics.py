"""Atomic operations on int64 array elements, and an address as a typed pointer, for numba kernels that
share memory between threads (`team`).

numba has no atomics of its own, and a plain read in a loop may be hoisted out of it by LLVM (a thread
waiting for ``flags[0]`` to change would then wait forever). These intrinsics emit LLVM's atomic
instructions on the element's address:

- `load` (acquire): what the other thread wrote before its `store` is visible after the load sees it;
- `store` (sequentially consistent), `compare_and_swap`, `fetch_add`: one total order over all of them,
  which the team's sleep protocol relies on (a thread writes its flag, then reads the other's);
- `pointer` turns an address (``array.ctypes.data``) back into a pointer that ``numba.carray`` wraps.

They compile inside ``njit`` functions only (not from Python), and exist only where numba does.
"""

from __future__ import annotations

from ._numba import nb

if nb is not None:
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    def _address(context, builder, array_type, array, index):
        data = context.make_array(array_type)(context, builder, array)
        return cgutils.get_item_pointer(context, builder, array_type, data, [index])

    @intrinsic
    def load(typingctx, array, index):
        """array[index], read atomically with acquire ordering."""

        def codegen(context, builder, signature, args):
            return builder.load_atomic(_address(context, builder, signature.args[0], *args), "acquire", 8)

        return types.int64(array, index), codegen

    @intrinsic
    def store(typingctx, array, index, value):
        """array[index] = value, atomically (sequentially consistent)."""

        def codegen(context, builder, signature, args):
            where = _address(context, builder, signature.args[0], args[0], args[1])
            builder.store_atomic(args[2], where, "seq_cst", 8)
            return context.get_dummy_value()

        return types.void(array, index, value), codegen

    @intrinsic
    def compare_and_swap(typingctx, array, index, expected, new):
        """If array[index] == expected, set it to new and return True; else False. Atomic."""

        def codegen(context, builder, signature, args):
            where = _address(context, builder, signature.args[0], args[0], args[1])
            pair = builder.cmpxchg(where, args[2], args[3], "seq_cst", "seq_cst")
            return builder.extract_value(pair, 1)

        return types.boolean(array, index, expected, new), codegen

    @intrinsic
    def fetch_add(typingctx, array, index, value):
        """array[index] += value atomically; returns the value before."""

        def codegen(context, builder, signature, args):
            where = _address(context, builder, signature.args[0], args[0], args[1])
            return builder.atomic_rmw("add", where, args[2], "seq_cst")

        return types.int64(array, index, value), codegen

    @intrinsic
    def pointer(typingctx, address, like):
        """The int64 ``address`` as a pointer to elements of the scalar type of ``like``."""

        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

        return types.CPointer(like)(address, like), codegen
