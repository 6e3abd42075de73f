"""The instrumented trainer: the article's numpy loop, recording every tensor at chosen iterations.

With the default config each recorded tensor is bit-identical to the article's own computation:
the same numpy operations on the same operands in the same order, written into preallocated
buffers (``out=``) instead of fresh arrays. (One rewrite, exact by the symmetry of IEEE rounding:
a sigmoid layer multiplies by −w, which gives the −x its exponent needs without negating x.)
An iteration that is not recorded writes into scratch buffers and skips the loss, so recording
costs nothing where nothing is recorded. The recorded tensors are read-only views of one table.

Names follow the article: ``l0`` inputs, ``z1``/``l1`` hidden layer, ``l2_delta`` = ∂E/∂z2, ...
Shapes for the default 3-4-1 network on 5 samples are in the comments.
"""

from __future__ import annotations

from functools import partial
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
DIRECT_WIDTH = 50_000  # recorded floats per iteration above which a plan writes into the table row directly


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
    recorded = parse_spec(config.record, config.train.iterations)
    shapes = tensor_shapes(config)
    size = 8 * len(recorded) * sum(int(np.prod(s)) for s in shapes.values())
    if size > MAX_BYTES and not force:
        raise TracerError(
            f"recording {len(recorded)} iterations would store about {size / 2**30:.1f} GiB; "
            "record fewer iterations (--record) or pass --force"
        )
    net = _Net(config)
    stacks = {"l0": np.broadcast_to(net.x, (len(recorded), *net.x.shape))}   # the inputs never change
    stacks.update(net.train(recorded, progress))
    stacks = {name: stacks[name] for name in shapes}
    versions = {"numpy": np.__version__, "nntrace": __version__}
    return Trace(config, recorded, stacks, versions)


def tensor_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """Every recorded tensor name with its per-iteration shape, in recording order."""
    layers = config.network.layers
    depth = len(layers) - 1
    n = len(config.data.inputs)
    shapes: dict[str, tuple[int, ...]] = {"l0": (n, layers[0])}
    for k in range(1, depth + 1):
        shapes[f"z{k}"] = (n, layers[k])
        shapes[f"l{k}"] = (n, layers[k])
    shapes[f"l{depth}_error"] = (n, layers[-1])
    shapes["loss"] = ()
    shapes["mean_error"] = ()
    for k in range(depth, 0, -1):
        shapes[f"l{k}_delta"] = (n, layers[k])
        if k > 1:
            shapes[f"l{k - 1}_error"] = (n, layers[k - 1])
    biased = config.network.bias != "none"
    for k in range(depth):
        for suffix in ("", "_grad", "_next"):
            shapes[f"w{k}{suffix}"] = (layers[k], layers[k + 1])
            if biased:
                shapes[f"b{k}{suffix}"] = (layers[k + 1],)
    return shapes


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


# An iteration is a *plan*: a flat list of numpy calls ``(function, args)`` writing into fixed
# buffers. The plan of unrecorded iterations is built once and replayed, so a step costs its numpy
# calls and almost nothing else; a recorded iteration builds its plan over that iteration's rows.
#
# Activations give the calls for forward(z, out=a) and for the derivative from the *output*
# a, as the article's sigmoid(x, back=True) = x * (1 - x) is applied to l1 and l2.

def _sigmoid_of_negated(neg_z, a):
    """1 / (1 + np.exp(-x)), one operation at a time, given -x."""
    return [(np.exp, (neg_z, a)), (np.add, (a, 1, a)), (np.divide, (1, a, a))]


FORWARD = {name: (lambda f: lambda z, a: [(partial(f, out=a), (z,))])(act.forward)
           for name, act in ACTIVATIONS.items()}
BACK = {name: (lambda f: lambda a, s: [(partial(f, out=s), (a,))])(act.derivative)
        for name, act in ACTIVATIONS.items()}


class _Slots:
    """The buffers of one iteration, by layer: ``z[k]``, ``l[k]``, ``delta[k]``, ``w_grad[k]`` …

    Built once over scratch buffers, and per recorded iteration over that iteration's rows of
    the stacks, so the same ``step`` code fills either.
    """

    __slots__ = ("z", "l", "delta", "error", "w", "w_grad", "w_next", "b", "b_grad", "b_next", "loss", "mean_error")

    def __init__(self, t: dict[str, np.ndarray], x: np.ndarray, depth: int):
        layers = range(1, depth + 1)
        params = range(depth)
        self.z = [None, *(t[f"z{k}"] for k in layers)]
        self.l = [x, *(t[f"l{k}"] for k in layers)]
        self.delta = [None, *(t[f"l{k}_delta"] for k in layers)]
        self.error = [None, *(t[f"l{k}_error"] for k in layers)]   # error[L] is the per-sample loss
        for kind in ("w", "b"):
            for suffix in ("", "_grad", "_next"):
                setattr(self, kind + suffix, [t.get(f"{kind}{k}{suffix}") for k in params])
        self.loss, self.mean_error = t["loss"], t["mean_error"]


class _Net:
    """Parameters, scratch buffers, and one iteration of gradient descent."""

    def __init__(self, config: Config):
        self.config = config
        net = config.network
        self.depth = net.depth
        self.lr = config.train.lr
        self.x, self.y = config.data.arrays()              # (5, 3), (5, 1)
        self.params = initial_parameters(config)           # w0 (3, 4), w1 (4, 1)
        self.w = [self.params[f"w{k}"] for k in range(self.depth)]
        self.b = [self.params.get(f"b{k}") for k in range(self.depth)]
        # Sigmoid layers keep -w (and -b): l · (-w) is exactly -(l · w) (IEEE rounding is symmetric),
        # the -x that sigmoid needs, so the big (samples × units) negation becomes a small one on w.
        self.negated = [a == "sigmoid" for a in net.activation]
        self.nw = [-w if neg else None for w, neg in zip(self.w, self.negated)]
        self.nb = [-b if neg and b is not None else None for b, neg in zip(self.b, self.negated)]
        self.train_bias = net.bias == "trainable"
        self.activation = net.activation
        self.bce = net.loss == "bce"
        self.scale = 1.0 / self.y.size if net.reduction == "mean" else None
        self.shapes = tensor_shapes(config)
        # Unrecorded steps need no z once l is computed, so z_k and l_k share one scratch buffer:
        # fewer large buffers stay in cache (numpy's own temporaries are recycled the same way).
        scratch = {n: np.zeros(s) for n, s in self.shapes.items()}
        scratch.update({f"l{k}": scratch[f"z{k}"] for k in range(1, self.depth + 1)})
        self.scratch = _Slots(scratch, self.x, self.depth)
        # one extra buffer for f'(l_L) at the output, and one per parameter for lr * grad
        self.deriv = np.zeros(self.shapes[f"l{self.depth}"])
        self.step_w = [np.zeros_like(w) for w in self.w]
        self.step_b = [np.zeros_like(b) if b is not None else None for b in self.b]
        self.bare = self.plan(self.scratch, False)   # the plan of every unrecorded iteration
        # A recorded iteration writes every tensor into one flat buffer (a view per tensor), then
        # the buffer is copied into the next row of one (n_recorded, width) table in a single call.
        self.layout, offset = {}, 0
        for name, shape in self.shapes.items():
            if name != "l0":
                self.layout[name] = (offset, int(np.prod(shape)), shape)
                offset += int(np.prod(shape))
        self.record_row = np.zeros(offset)
        self.recording = self.plan_into(self.record_row)

    def plan_into(self, row: np.ndarray) -> list[tuple]:
        """The plan of a recorded iteration writing every tensor into the flat ``row``."""
        views = {name: row[o:o + n].reshape(shape) for name, (o, n, shape) in self.layout.items()}
        return self.plan(_Slots(views, self.x, self.depth), True)

    def train(self, recorded: np.ndarray, progress) -> dict[str, np.ndarray]:
        """Run every iteration; return the recorded stacks (views into one table), l0 excepted."""
        iterations = self.config.train.iterations
        table = np.empty((len(recorded), len(self.record_row)))
        row, n_rows = 0, len(recorded)
        next_rec = int(recorded[0]) if n_rows else -1
        bare, recording, record_row = self.bare, self.recording, self.record_row
        direct = len(record_row) > DIRECT_WIDTH
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, iterations, CHUNK):
                saved = [p.copy() for p in self.params.values()]
                stop = min(start + CHUNK, iterations)
                for j in range(start, stop):
                    if j != next_rec:
                        for function, args in bare:
                            function(*args)
                        continue
                    if direct:   # wide rows: plan straight into the table rather than copy a big row
                        for function, args in self.plan_into(table[row]):
                            function(*args)
                    else:
                        for function, args in recording:
                            function(*args)
                        table[row] = record_row
                    row += 1
                    next_rec = int(recorded[row]) if row < n_rows else -1
                if not all(np.isfinite(p).all() for p in self.params.values()):
                    self.find_divergence(start, saved)
                if progress is not None:
                    progress(stop - start)
        table.flags.writeable = False   # a trace is a record: its tensors are read-only views
        stacks = {name: table[:, o:o + n].reshape(n_rows, *shape) for name, (o, n, shape) in self.layout.items()}
        bad = ~np.isfinite(stacks["loss"])
        if bad.any():   # parameters stayed finite but the objective overflowed
            raise TrainingError(_diverged("loss", int(recorded[np.argmax(bad)])))
        return stacks

    def step(self, t: _Slots, record: bool) -> None:
        """One iteration of gradient descent, every tensor written into the buffers ``t``."""
        for function, args in (self.plan(t, True) if record else self.bare):
            function(*args)

    def plan(self, t: _Slots, record: bool) -> list[tuple]:
        """The numpy calls of one iteration, in the article's order, writing into ``t``."""
        L, lr = self.depth, self.lr
        w, b, l, z, delta, error = self.w, self.b, t.l, t.z, t.delta, t.error
        ops: list[tuple] = []
        if record:
            ops += [(np.copyto, (t.w[k], w[k])) for k in range(L)]
            ops += [(np.copyto, (t.b[k], b[k])) for k in range(L) if b[k] is not None]
        # forward: z_{k+1} = l_k · w_k (+ b_k), l_{k+1} = f(z_{k+1})     l0 (5, 3) -> l1 (5, 4) -> l2 (5, 1)
        for k in range(L):
            if self.negated[k]:
                ops.append((np.dot, (l[k], self.nw[k], z[k + 1])))          # -z
                if b[k] is not None:
                    ops.append((np.add, (z[k + 1], self.nb[k], z[k + 1])))
                ops += _sigmoid_of_negated(z[k + 1], l[k + 1])
                if record:
                    ops.append((np.negative, (z[k + 1], z[k + 1])))         # the recorded z itself
                continue
            ops.append((np.dot, (l[k], w[k], z[k + 1])))
            if b[k] is not None:
                ops.append((np.add, (z[k + 1], b[k], z[k + 1])))
            ops += FORWARD[self.activation[k]](z[k + 1], l[k + 1])
        if record:
            ops += self.loss(t)
        # backward: l_L_delta = ∂E/∂z_L, l_k_error = l_{k+1}_delta · w_kᵀ, l_k_delta = l_k_error ⊙ f'(l_k)
        ops.append((np.subtract, (l[L], self.y, delta[L])))                 # (l2 - y)          (5, 1)
        if not self.bce:                                                     # bce + sigmoid: ∂E/∂z = a - y
            ops += BACK[self.activation[L - 1]](l[L], self.deriv)
            ops.append((np.multiply, (delta[L], self.deriv, delta[L])))
        if self.scale is not None:
            ops.append((np.multiply, (delta[L], self.scale, delta[L])))
        for k in range(L - 1, 0, -1):
            ops.append((np.dot, (delta[k + 1], w[k].T, error[k])))           # l1_error          (5, 4)
            ops += BACK[self.activation[k - 1]](l[k], delta[k])              # f'(l1), then in place:
            ops.append((np.multiply, (error[k], delta[k], delta[k])))        # l1_delta          (5, 4)
        # gradients and the step, last layer first: w_k -= lr * (l_kᵀ · l_{k+1}_delta)
        for k in range(L - 1, -1, -1):
            ops += [(np.dot, (l[k].T, delta[k + 1], t.w_grad[k])),           # w1_grad (4, 1), w0_grad (3, 4)
                    (np.multiply, (lr, t.w_grad[k], self.step_w[k])),
                    (np.subtract, (w[k], self.step_w[k], w[k]))]
            if self.negated[k]:
                ops.append((np.negative, (w[k], self.nw[k])))
            if b[k] is not None:
                ops.append((partial(np.sum, axis=0, out=t.b_grad[k]), (delta[k + 1],)))
                if self.train_bias:
                    ops += [(np.multiply, (lr, t.b_grad[k], self.step_b[k])),
                            (np.subtract, (b[k], self.step_b[k], b[k]))]
                    if self.negated[k]:
                        ops.append((np.negative, (b[k], self.nb[k])))
        if record:
            ops += [(np.copyto, (t.w_next[k], w[k])) for k in range(L)]
            ops += [(np.copyto, (t.b_next[k], b[k])) for k in range(L) if b[k] is not None]
        return ops

    def loss(self, t: _Slots) -> list[tuple]:
        """The calls that compute lL_error, mean_error and loss (recorded iterations only)."""
        L = self.depth
        error = t.error[L]
        if self.bce:   # −[y log a + (1 − y) log(1 − a)], computed stably from z: softplus(z) − y z
            ops = [(np.logaddexp, (0, t.z[L], error)), (np.multiply, (self.y, t.z[L], self.deriv)),
                   (np.subtract, (error, self.deriv, error))]
        else:          # (lL - y) ** 2 / 2
            ops = [(np.subtract, (t.l[L], self.y, error)), (np.square, (error, error)),
                   (np.divide, (error, 2, error))]
        reduce = np.mean if self.scale is not None else np.sum
        return ops + [(partial(np.mean, out=t.mean_error), (error,)), (partial(reduce, out=t.loss), (error,))]

    def sync_negated(self) -> None:
        """Refresh -w and -b after the parameters were set from outside."""
        for k in range(self.depth):
            if self.negated[k]:
                np.negative(self.w[k], self.nw[k])
                if self.b[k] is not None:
                    np.negative(self.b[k], self.nb[k])

    def find_divergence(self, start: int, saved: list[np.ndarray]) -> None:
        """Replay from the last finite parameters to name the first non-finite tensor."""
        for p, good in zip(self.params.values(), saved):
            np.copyto(p, good)
        self.sync_negated()
        t = {name: np.zeros(shape) for name, shape in self.shapes.items()}
        slots = _Slots(t, self.x, self.depth)
        for j in range(start, start + CHUNK):
            self.step(slots, True)
            for name in self.shapes:
                if name != "l0" and not np.isfinite(t[name]).all():
                    raise TrainingError(_diverged(name, j))
        raise TrainingError(_diverged("the weights", start))


def _diverged(name: str, iteration: int) -> str:
    return (
        f"training diverged: {name} holds NaN or inf at iteration {iteration}; "
        "use a smaller learning rate (--lr) or another activation"
    )


def objective(config: Config, params: dict[str, np.ndarray]) -> float:
    """The objective E of ``config`` at the given parameters (``w0``, …, ``b0``, …), in float64.

    The same forward pass and loss as the trainer; used for finite differences.
    """
    net = _Net(config)
    for name, value in params.items():
        np.copyto(net.params[name], value)
    net.sync_negated()
    t = {name: np.zeros(shape) for name, shape in net.shapes.items()}
    with np.errstate(over="ignore", under="ignore"):
        net.step(_Slots(t, net.x, net.depth), True)
    return float(t["loss"])
