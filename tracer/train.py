"""The instrumented trainer: the article's numpy loop, recording every tensor at chosen iterations.

With the default config each recorded tensor is bit-identical to the article's own computation:
the same numpy operations on the same operands in the same order, written into preallocated
buffers (``out=``) instead of fresh arrays. An iteration that is not recorded writes into scratch
buffers and skips the loss, so recording costs nothing where nothing is recorded.

Names follow the article: ``l0`` inputs, ``z1``/``l1`` hidden layer, ``l2_delta`` = ∂E/∂z2, ...
Shapes for the default 3-4-1 network on 5 samples are in the comments.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tracer import __version__
from tracer.config import Config, load_config
from tracer.errors import TracerError, TrainingError
from tracer.recordspec import parse_spec
from tracer.trace import Trace

CHUNK = 1000  # iterations between finiteness checks (and progress updates)
MAX_BYTES = 1 << 30  # a trace larger than this needs force=True


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
    stacks = {name: np.zeros((len(recorded), *shape)) for name, shape in shapes.items()}
    net = _Net(config)
    net.train(recorded, stacks, progress)
    x, _ = config.data.arrays()
    stacks["l0"] = np.broadcast_to(x, (len(recorded), *x.shape))
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


# Activations act in place: forward(z, out=a) and derivative(a, out=s) from the *output* a,
# as the article's sigmoid(x, back=True) = x * (1 - x) is applied to l1 and l2.

def _sigmoid(z, a):
    np.negative(z, a)      # 1 / (1 + np.exp(-x)), one operation at a time
    np.exp(a, a)
    np.add(a, 1, a)
    np.divide(1, a, a)


def _sigmoid_back(a, s):
    np.subtract(1, a, s)   # x * (1 - x)
    np.multiply(a, s, s)


def _tanh_back(a, s):
    np.multiply(a, a, s)   # 1 - a**2
    np.subtract(1, s, s)


FORWARD = {
    "sigmoid": _sigmoid,
    "tanh": lambda z, a: np.tanh(z, a),
    "relu": lambda z, a: np.maximum(z, 0, out=a),
    "linear": lambda z, a: np.copyto(a, z),
}
BACK = {
    "sigmoid": _sigmoid_back,
    "tanh": _tanh_back,
    "relu": lambda a, s: np.greater(a, 0, s),
    "linear": lambda a, s: s.fill(1.0),
}


class _Net:
    """Parameters and the buffers one iteration writes into."""

    def __init__(self, config: Config):
        self.config = config
        net = config.network
        self.depth = net.depth
        self.lr = config.train.lr
        self.x, self.y = config.data.arrays()              # (5, 3), (5, 1)
        self.params = initial_parameters(config)           # w0 (3, 4), w1 (4, 1)
        self.w = [self.params[f"w{k}"] for k in range(self.depth)]
        self.b = [self.params.get(f"b{k}") for k in range(self.depth)]
        self.train_bias = net.bias == "trainable"
        self.forward = [FORWARD[a] for a in net.activation]
        self.back = [BACK[a] for a in net.activation]
        self.bce = net.loss == "bce"
        self.scale = 1.0 / self.y.size if net.reduction == "mean" else None
        self.scratch = {name: np.zeros(shape) for name, shape in tensor_shapes(config).items()}
        self.names = list(self.scratch)
        # one extra buffer per layer for f'(l_k), and one per parameter for lr * grad
        self.deriv = [np.zeros_like(self.scratch[f"l{k}"]) for k in range(1, self.depth + 1)]
        self.step_w = [np.zeros_like(w) for w in self.w]
        self.step_b = [np.zeros_like(b) if b is not None else None for b in self.b]

    def train(self, recorded: np.ndarray, stacks: dict[str, np.ndarray], progress) -> None:
        iterations = self.config.train.iterations
        rows = iter(range(len(recorded)))
        row = next(rows, None)
        next_rec = int(recorded[0]) if len(recorded) else -1
        scratch = self.scratch
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, iterations, CHUNK):
                saved = [p.copy() for p in self.params.values()]
                stop = min(start + CHUNK, iterations)
                for j in range(start, stop):
                    if j == next_rec:
                        self.step({name: stack[row, ...] for name, stack in stacks.items()}, True)
                        row = next(rows, None)
                        next_rec = int(recorded[row]) if row is not None else -1
                    else:
                        self.step(scratch, False)
                if not all(np.isfinite(p).all() for p in self.params.values()):
                    self.find_divergence(start, saved)
                if progress is not None:
                    progress(stop - start)
        for name, stack in stacks.items():
            if not np.isfinite(stack).all():
                bad_row = int(np.argwhere(~np.isfinite(stack.reshape(len(stack), -1)))[0, 0])
                raise TrainingError(_diverged(name, int(recorded[bad_row])))

    def step(self, t: dict[str, np.ndarray], record: bool) -> None:
        """One iteration of gradient descent, every tensor written into ``t[name]``."""
        L = self.depth
        w, b = self.w, self.b
        if record:
            for k in range(L):
                np.copyto(t[f"w{k}"], w[k])
                if b[k] is not None:
                    np.copyto(t[f"b{k}"], b[k])
        # forward: z_{k+1} = l_k · w_k (+ b_k), l_{k+1} = f(z_{k+1})
        prev = self.x                                      # l0 (5, 3)
        for k in range(L):
            z, a = t[f"z{k + 1}"], t[f"l{k + 1}"]          # (5, 4), then (5, 1)
            np.dot(prev, w[k], z)
            if b[k] is not None:
                np.add(z, b[k], z)
            self.forward[k](z, a)
            prev = a
        out = prev                                         # l2 (5, 1)
        if record:
            self.loss(t)
        # backward: l_L_delta = ∂E/∂z_L, then l_k_error = l_{k+1}_delta · w_kᵀ, l_k_delta = l_k_error ⊙ f'(l_k)
        delta = t[f"l{L}_delta"]                           # (5, 1)
        np.subtract(out, self.y, delta)                    # (l2 - y)
        if not self.bce:                                   # bce with a sigmoid output: ∂E/∂z = a - y
            self.back[L - 1](out, self.deriv[L - 1])
            np.multiply(delta, self.deriv[L - 1], delta)
        if self.scale is not None:
            np.multiply(delta, self.scale, delta)
        for k in range(L - 1, 0, -1):
            error, below = t[f"l{k}_error"], t[f"l{k}_delta"]   # (5, 4)
            np.dot(delta, w[k].T, error)
            self.back[k - 1](t[f"l{k}"], self.deriv[k - 1])
            np.multiply(error, self.deriv[k - 1], below)
            delta = below
        # gradients and the step, from the last layer down: w_k -= lr * (l_kᵀ · l_{k+1}_delta)
        for k in range(L - 1, -1, -1):
            grad = t[f"w{k}_grad"]
            lower = self.x if k == 0 else t[f"l{k}"]
            np.dot(lower.T, t[f"l{k + 1}_delta"], grad)
            np.multiply(self.lr, grad, self.step_w[k])
            np.subtract(w[k], self.step_w[k], w[k])
            if b[k] is not None:
                np.sum(t[f"l{k + 1}_delta"], axis=0, out=t[f"b{k}_grad"])
                if self.train_bias:
                    np.multiply(self.lr, t[f"b{k}_grad"], self.step_b[k])
                    np.subtract(b[k], self.step_b[k], b[k])
        if record:
            for k in range(L):
                np.copyto(t[f"w{k}_next"], w[k])
                if b[k] is not None:
                    np.copyto(t[f"b{k}_next"], b[k])

    def loss(self, t: dict[str, np.ndarray]) -> None:
        L = self.depth
        error = t[f"l{L}_error"]
        if self.bce:   # −[y log a + (1 − y) log(1 − a)], computed stably from z: softplus(z) − y z
            z = t[f"z{L}"]
            np.logaddexp(0, z, error)
            error -= self.y * z
        else:          # (lL - y) ** 2 / 2
            np.subtract(t[f"l{L}"], self.y, error)
            np.square(error, error)
            np.divide(error, 2, error)
        t["mean_error"][...] = np.mean(error)
        t["loss"][...] = np.mean(error) if self.scale is not None else np.sum(error)

    def find_divergence(self, start: int, saved: list[np.ndarray]) -> None:
        """Replay from the last finite parameters to name the first non-finite tensor."""
        for p, good in zip(self.params.values(), saved):
            np.copyto(p, good)
        t = {name: np.zeros_like(buf) for name, buf in self.scratch.items()}
        for j in range(start, start + CHUNK):
            self.step(t, True)
            for name in self.names:
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
    t = {name: np.zeros_like(buf) for name, buf in net.scratch.items()}
    with np.errstate(over="ignore", under="ignore"):
        net.step(t, True)
    return float(t["loss"])
