"""The instrumented trainer: the article's numpy loop, recording every tensor at chosen iterations.

``Network.step`` is one iteration of gradient descent, written as the article writes it and in
its names: forward (``z1 = l0 · w0``, ``l1 = f(z1)``, …), the output error, ``l2_delta``,
``l1_error``, ``l1_delta``, the gradients, the step; a loop over layers covers deeper networks.
With the default config every recorded tensor is bit-identical to the article's computation: the
same numpy operations on the same operands in the same order, written into preallocated buffers
(``out=``) instead of fresh arrays. Activations come from ``tracer.activations``.

An iteration that is not recorded writes into scratch buffers and skips the loss. A recorded one
writes every tensor into one flat row of the trace's table, so the recorded tensors are read-only
views of one array. The same ``step`` also trains a *stack* of networks (one per seed, a leading
seed axis on every array, products by ``np.matmul``); ``tracer.stacked`` builds those.

Shapes in the comments are for the article's 3-4-1 network on 5 samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from tracer import __version__
from tracer.activations import ACTIVATIONS
from tracer.config import Config, load_config
from tracer.errors import TracerError, TrainingError
from tracer.recordspec import parse_spec
from tracer.trace import Trace

CHUNK = 1000  # iterations between finiteness checks (and progress updates)
MAX_BYTES = 1 << 30  # a trace larger than this needs force=True
DIRECT_WIDTH = 50_000  # recorded floats per iteration above which rows are written straight into the table


def run(config: Config | dict | str | None = None, *, force: bool = False,
        progress: Callable[[int], None] | None = None) -> Trace:
    """Train the configured network and return its ``Trace``.

    Parameters
    ----------
    config
        A ``Config``, or anything ``load_config`` reads (``None``: the article's network).
    force
        Allow a record spec whose trace would exceed about 1 GiB.
    progress
        Called with the number of iterations just done, every ``CHUNK`` iterations.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    recorded = recorded_iterations(config, force)
    net = Network(config, initial_parameters(config))
    table = train(net, recorded, progress, on_divergence=net.find_divergence)
    return make_trace(config, recorded, table)


def recorded_iterations(config: Config, force: bool = False) -> np.ndarray:
    """The iterations to record; refuses a trace over ``MAX_BYTES`` unless ``force``."""
    recorded = parse_spec(config.record, config.train.iterations)
    size = 8 * len(recorded) * sum(int(np.prod(s)) for s in tensor_shapes(config).values())
    if size > MAX_BYTES and not force:
        raise TracerError(
            f"recording {len(recorded)} iterations would store about {size / 2**30:.1f} GiB; "
            "record fewer iterations (--record) or pass --force"
        )
    return recorded


def tensor_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """Every recorded tensor name with its per-iteration shape, in recording order
    (``tracer.schema.tensor_shapes``, which also checks trace files against it)."""
    from tracer.schema import tensor_shapes as shapes

    return shapes(config.network.layers, config.network.bias != "none", len(config.data.inputs))


def row_layout(shapes: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """Where each recorded tensor (``l0`` excepted) sits in a table row: ``(offset, size, shape)``."""
    layout, offset = {}, 0
    for name, shape in shapes.items():
        if name != "l0":
            size = int(np.prod(shape))
            layout[name] = (offset, size, shape)
            offset += size
    return layout


def initial_parameters(config: Config) -> dict[str, np.ndarray]:
    """The starting weights (and biases): explicit values, or drawn as the article draws them."""
    layers = config.network.layers
    values = config.init.values
    params: dict[str, np.ndarray] = {}
    if values is None:
        np.random.seed(config.init.seed)
        for k in range(len(layers) - 1):
            params[f"w{k}"] = 2 * np.random.random(size=(layers[k], layers[k + 1])) - 1
    else:
        for k in range(len(layers) - 1):
            params[f"w{k}"] = np.array(values[f"w{k}"], dtype=np.float64)
    if config.network.bias != "none":
        for k in range(len(layers) - 1):
            given = values.get(f"b{k}") if values is not None else None
            params[f"b{k}"] = np.array(given, dtype=np.float64) if given is not None else np.zeros(layers[k + 1])
    return params


def _transposed(a: np.ndarray | None) -> np.ndarray | None:
    """The matrix transpose (of each matrix in a stack); a view, so it follows ``a`` in place."""
    return None if a is None else np.swapaxes(a, -1, -2)


@dataclass(slots=True)
class Tensors:
    """The tensors of one iteration, indexed by layer as in the article's names.

    ``l[0]`` is the input ``l0``; ``z[k]``, ``l[k]``, ``delta[k]`` (``lk_delta``) for k = 1…L;
    ``error[k]`` is ``lk_error`` (the error sent back to hidden layer k) for k < L, and
    ``error[L]`` the per-element loss at the output; ``w[k]``, ``w_grad[k]``, ``w_next[k]`` for
    k = 0…L−1, and the same for ``b`` (``None`` without biases). Index 0 of ``z``, ``delta``
    and ``error`` is unused (``None``). Biases are kept as rows (1, n) so they broadcast over the
    samples; a stack of networks puts the seed axis first on every array.
    """

    l: list
    z: list
    error: list
    delta: list
    w: list
    w_grad: list
    w_next: list
    b: list
    b_grad: list
    b_next: list
    loss: np.ndarray
    mean_error: np.ndarray
    lT: list
    """``lT[k]``: the transpose of ``l[k]`` (a view)."""

    @classmethod
    def over(cls, arrays: dict[str, np.ndarray], x: np.ndarray, depth: int) -> Tensors:
        """The tensors named in ``arrays`` (the names of ``tensor_shapes``; biases as rows)."""
        def layer(name: str, ks) -> list:
            return [arrays.get(name.format(k=k)) for k in ks]

        up, params = range(1, depth + 1), range(depth)
        l = [x, *layer("l{k}", up)]
        return cls(
            l=l, lT=[_transposed(a) for a in l], z=[None, *layer("z{k}", up)],
            error=[None, *layer("l{k}_error", up)], delta=[None, *layer("l{k}_delta", up)],
            w=layer("w{k}", params), w_grad=layer("w{k}_grad", params), w_next=layer("w{k}_next", params),
            b=layer("b{k}", params), b_grad=layer("b{k}_grad", params), b_next=layer("b{k}_next", params),
            loss=arrays["loss"], mean_error=arrays["mean_error"],
        )


class Network:
    """The parameters being trained, the data, and one iteration of gradient descent (``step``)."""

    def __init__(self, config: Config, params: dict[str, np.ndarray], seeds: int | None = None):
        net = config.network
        self.config = config
        self.depth = L = net.depth
        self.x, self.y = config.data.arrays()                  # l0 (5, 3), y (5, 1)
        self.lead = () if seeds is None else (seeds,)         # the seed axis of a stack, if any
        # products: np.dot as the article; np.matmul (one product per seed) for a stack
        self.dot = np.dot if seeds is None else np.matmul
        self.lr = np.array(config.train.lr)                   # 0-d arrays: see tracer.activations.ONE
        self.scale = np.array(1.0 / self.y.size if net.reduction == "mean" else 1.0)
        self.f = [ACTIVATIONS[name] for name in net.activation]
        self.bce = net.loss == "bce"
        self.mean = net.reduction == "mean"
        self.train_bias = net.bias == "trainable"
        self.params = {name: p.reshape(*self.lead, 1, -1) if name[0] == "b" else p  # biases as rows
                       for name, p in params.items()}
        self.w = [self.params[f"w{k}"] for k in range(L)]      # w0 (3, 4), w1 (4, 1)
        self.b = [self.params.get(f"b{k}") for k in range(L)]  # b0 (1, 4), b1 (1, 1), or None
        self.wT = [_transposed(w) for w in self.w]              # views: always the current w transposed
        self.shapes = tensor_shapes(config)
        self.slope = np.zeros((*self.lead, *self.shapes[f"l{L}"]))  # f'(l_L), the output's slope
        self.w_step = [np.zeros_like(w) for w in self.w]             # lr * w_grad
        self.b_step = [None if b is None else np.zeros_like(b) for b in self.b]
        self.scratch = self.tensors({n: np.zeros((*self.lead, *s)) for n, s in self.shapes.items()})
        # a recorded iteration writes into views of one flat row, copied into the table after it
        self.layout = row_layout(self.shapes)
        self.row = np.zeros((*self.lead, sum(n for _, n, _ in self.layout.values())))
        self.recorder = self.tensors_in_row(self.row)

    def tensors(self, arrays: dict[str, np.ndarray]) -> Tensors:
        """``Tensors`` over ``arrays``, with biases viewed as rows and transposes precomputed."""
        arrays = {n: a.reshape(*self.lead, 1, -1) if n[0] == "b" else a for n, a in arrays.items()}
        return Tensors.over(arrays, self.x, self.depth)

    def tensors_in_row(self, row: np.ndarray) -> Tensors:
        """``Tensors`` whose arrays are views of the flat ``row`` (one recorded iteration)."""
        return self.tensors({name: row[..., o:o + n].reshape((*self.lead, *shape))
                             for name, (o, n, shape) in self.layout.items()})

    def step(self, t: Tensors, record: bool) -> None:
        """One iteration of gradient descent, every tensor written into ``t``.

        ``record``: also keep the parameters before and after the step, and compute the loss.
        """
        L, dot, f, w, b, lr = self.depth, self.dot, self.f, self.w, self.b, self.lr
        l, z, error, delta = t.l, t.z, t.error, t.delta
        if record:
            self.copy_parameters(t.w, t.b)

        # forward: z1 = l0 · w0 (+ b0), l1 = f(z1), z2 = l1 · w1, l2 = f(z2), ...
        for k in range(L):
            dot(l[k], w[k], out=z[k + 1])                      # z1 (5, 3)·(3, 4) → (5, 4); z2 (5, 1)
            if b[k] is not None:
                np.add(z[k + 1], b[k], out=z[k + 1])
            f[k].forward(z[k + 1], out=l[k + 1])               # l1 (5, 4); l2 (5, 1)
        if record:
            self.compute_loss(t)

        # output: l2_delta = (l2 - y) * f'(l2)  (= ∂E/∂z2; for bce with a sigmoid output, l2 - y)
        np.subtract(l[L], self.y, out=delta[L])                 # (5, 1)
        if not self.bce:
            f[L - 1].derivative(l[L], out=self.slope)
            np.multiply(delta[L], self.slope, out=delta[L])
        if self.mean:                                           # E is a mean over all N·n_L elements
            np.multiply(delta[L], self.scale, out=delta[L])

        # backward: l1_error = l2_delta · w1ᵀ, l1_delta = l1_error * f'(l1), down to layer 1
        for k in range(L - 1, 0, -1):
            dot(delta[k + 1], self.wT[k], out=error[k])        # l1_error (5, 1)·(1, 4) → (5, 4)
            f[k - 1].derivative(l[k], out=delta[k])            # f'(l1) (5, 4), then in place:
            np.multiply(error[k], delta[k], out=delta[k])      # l1_delta (5, 4)

        # gradients and the step, last layer first: w1 -= lr * (l1ᵀ · l2_delta), w0 -= lr * (l0ᵀ · l1_delta)
        for k in range(L - 1, -1, -1):
            dot(t.lT[k], delta[k + 1], out=t.w_grad[k])        # w1_grad (4, 5)·(5, 1) → (4, 1); w0_grad (3, 4)
            np.multiply(lr, t.w_grad[k], out=self.w_step[k])
            np.subtract(w[k], self.w_step[k], out=w[k])
            if b[k] is not None:
                np.sum(delta[k + 1], axis=-2, keepdims=True, out=t.b_grad[k])   # b_grad: Σ over samples
                if self.train_bias:
                    np.multiply(lr, t.b_grad[k], out=self.b_step[k])
                    np.subtract(b[k], self.b_step[k], out=b[k])
        if record:
            self.copy_parameters(t.w_next, t.b_next)

    def compute_loss(self, t: Tensors) -> None:
        """lL_error, mean_error and loss (recorded iterations only)."""
        L = self.depth
        a, error = t.l[L], t.error[L]
        if self.bce:   # −[y log a + (1 − y) log(1 − a)], computed stably from z: softplus(z) − y z
            np.logaddexp(0, t.z[L], out=error)
            np.subtract(error, np.multiply(self.y, t.z[L], out=self.slope), out=error)
        else:          # (l2 - y) ** 2 / 2
            np.subtract(a, self.y, out=error)
            np.square(error, out=error)
            np.divide(error, 2, out=error)
        samples = (-2, -1)   # every element of one network (of each network in a stack)
        np.mean(error, axis=samples, out=t.mean_error)
        (np.mean if self.mean else np.sum)(error, axis=samples, out=t.loss)

    def copy_parameters(self, w: list, b: list) -> None:
        """Copy the current weights and biases into ``w`` and ``b`` (recorded tensors)."""
        for k in range(self.depth):
            np.copyto(w[k], self.w[k])
            if b[k] is not None:
                np.copyto(b[k], self.b[k])

    def find_divergence(self, start: int, saved: dict[str, np.ndarray]) -> None:
        """Replay from the last finite parameters to name the first non-finite tensor (one network)."""
        for name, good in saved.items():
            np.copyto(self.params[name], good)
        row = np.zeros(self.row.shape)
        t = self.tensors_in_row(row)
        for j in range(start, start + CHUNK):
            self.step(t, True)
            for name, (o, n, _) in self.layout.items():
                if not np.isfinite(row[o:o + n]).all():
                    raise TrainingError(diverged_message(name, j))
        raise TrainingError(diverged_message("the weights", start))


def train(net: Network, recorded: np.ndarray, progress: Callable[[int], None] | None,
          on_divergence: Callable[[int, dict[str, np.ndarray]], None]) -> np.ndarray:
    """Run every iteration of ``net``; return the table of recorded rows, (*seeds, n_recorded, width).

    Every ``CHUNK`` iterations the parameters are checked; when one is not finite,
    ``on_divergence(start, saved)`` gets the chunk's first iteration and the parameters at its start.
    """
    iterations = net.config.train.iterations
    table = np.empty((*net.lead, len(recorded), net.row.shape[-1]))
    wanted = iter(recorded.tolist())
    next_recorded, row = next(wanted, -1), 0
    direct = net.row.shape[-1] > DIRECT_WIDTH
    step, scratch, recorder = net.step, net.scratch, net.recorder
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, iterations, CHUNK):
            saved = {name: p.copy() for name, p in net.params.items()}
            stop = min(start + CHUNK, iterations)
            for j in range(start, stop):
                if j != next_recorded:
                    step(scratch, False)
                elif direct:   # wide rows: write straight into the table rather than copy a big row
                    step(net.tensors_in_row(table[..., row, :]), True)
                    row, next_recorded = row + 1, next(wanted, -1)
                else:
                    step(recorder, True)
                    table[..., row, :] = net.row
                    row, next_recorded = row + 1, next(wanted, -1)
            if not all(np.isfinite(p).all() for p in net.params.values()):
                on_divergence(start, saved)
            if progress is not None:
                progress(stop - start)
    return table


def make_trace(config: Config, recorded: np.ndarray, table: np.ndarray) -> Trace:
    """The ``Trace`` over one network's ``table`` (made read-only); refuses a non-finite loss."""
    table.flags.writeable = False   # a trace is a record: its tensors are read-only views
    x = config.data.arrays()[0]
    stacks = {"l0": np.broadcast_to(x, (len(recorded), *x.shape))}   # the inputs never change
    for name, (o, n, shape) in row_layout(tensor_shapes(config)).items():
        stacks[name] = table[:, o:o + n].reshape(len(recorded), *shape)
    bad = ~np.isfinite(stacks["loss"])
    if bad.any():   # parameters stayed finite but the objective overflowed
        raise TrainingError(diverged_message("loss", int(recorded[np.argmax(bad)])))
    return Trace(config, recorded, stacks, {"numpy": np.__version__, "nntrace": __version__})


def diverged_message(name: str, iteration: int) -> str:
    return (
        f"training diverged: {name} holds NaN or inf at iteration {iteration}; "
        "use a smaller learning rate (--lr) or another activation"
    )


def objective(config: Config, params: dict[str, np.ndarray]) -> float:
    """The objective E of ``config`` at the given parameters (``w0``, …, ``b0``, …), in float64.

    The same forward pass and loss as the trainer; used for finite differences.
    """
    start = initial_parameters(config)
    start.update({name: np.array(value, dtype=np.float64) for name, value in params.items()})
    net = Network(config, start)
    t = net.tensors_in_row(np.zeros(net.row.shape))
    with np.errstate(over="ignore", under="ignore"):
        net.step(t, True)
    return float(t.loss)
