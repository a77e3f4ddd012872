"""The op table: one entry per op whose doors are pure forwarding.

`scripts/gen_api.py` turns each entry into
- its declaration and comment in `include/gentrain.h` (between the `@generated` markers of its section),
- its C entry point in `Sources/GentrainCABI/Generated/<Section>.swift` (validate, call the engine, hand out a handle),
- its Python doors in `bindings/python/gentrain/_ops.py` (Tensor methods, `gentrain.<name>`) and
  `bindings/python/gentrain/nn/_functional_ops.py` (`gentrain.nn.functional.<name>`),
- its rows in `Tests/CAPI/test_generated.c` (a NULL handle and a NULL `out` are refused),
- for an op of tensors only, its closure in `Tests/GentrainTests/GeneratedOps.swift`: a golden case
  (scripts/gen_golden.py) named after the op is checked against PyTorch with no Swift to write.

What stays hand-written: the engine (each op with its gradient, in Swift), and every door that does
more than forward — several outputs, lists, callbacks, option structs, Python overloads (`x + 1`,
`x[1:3]`, `argmax()` over every element). See README, "Adding an op".

Entries: op(name, *args, swift=..., doc=..., py=...), and module(name, *args, swift=..., doc=...)
for a module constructor (C's `gentrain_module_<name>_new`; `swift` makes the `Module`).
- args: "x" is a tensor; otherwise "<type> <name>[:<python name>][ = <PyTorch's default>]" with
  type one of tensor, tensor? (may be NULL), double, int64, count (an int64 in 1...2^31-1), size (an
  int64 in 0...2^31-1), bool,
  dims (int64 list + its length), dtype,
  reduction (none/mean/sum), kl_reduction (also batchmean), double?, int64? (may be NULL: none),
  enum:<name> (one of an enum(...)'s values; Python passes the value's name as a string).
- swift: the engine call, each {arg} replaced by the validated value.
- doc: the header's comment (PyTorch's defaults are appended); pydoc: the docstring, where the C
  wording (NULL, counts) does not fit Python.
- py: where Python gets it: "method" (Tensor.<name>), "torch" (gentrain.<name>), "F"
  (gentrain.nn.functional.<name>). The first tensor is `self` / `input` in Python unless renamed.
- inplace: F's function also takes PyTorch's `inplace=False` flag (an activation's); the result is a
  new tensor either way (the engine does not overwrite a tensor autograd may still need).
- underscore: a one-tensor method op also gets its in-place variant, `gentrain_<name>_(x)` and
  `Tensor.<name>_()` (PyTorch's exp_, sigmoid_, ...), recorded as the other in-place ops.
"""

SECTIONS = {}  # section -> list of ops, in table order
ENUMS = {}     # name -> Enum: a mode argument's values (C enum, Swift enum, Python strings)


class Op:
    def __init__(self, section, name, args, swift, doc, pydoc, py, kind="op", inplace=False, underscore=False):
        self.section, self.name, self.swift, self.doc, self.py = section, name, swift, doc, py.split()
        self.inplace, self.underscore = inplace, underscore
        self.pydoc = pydoc or doc
        self.args = [Arg.parse(a) for a in args]
        assert not underscore or ([a.type for a in self.args] == ["tensor"] and "method" in self.py), name
        self.kind = kind

    @property
    def c_name(self):
        """The C function's name without the `gentrain_` prefix."""
        return f"module_{self.name}_new" if self.kind == "module" else self.name


class Arg:
    TYPES = ("tensor", "tensor?", "double", "int64", "count", "size", "bool", "dims", "dtype", "reduction",
             "kl_reduction", "double?", "int64?")

    def __init__(self, type_, name, pyname, default):
        assert type_ in self.TYPES or type_[len("enum:"):] in ENUMS, type_
        self.type, self.name, self.pyname, self.default = type_, name, pyname, default

    @classmethod
    def parse(cls, text):
        decl, _, default = text.partition("=")
        parts = decl.split()
        type_, name = ("tensor", parts[0]) if len(parts) == 1 else parts
        name, _, pyname = name.partition(":")
        return cls(type_, name, pyname or None, default.strip() or None)


class Enum:
    def __init__(self, name, swift, values, doc):
        self.name, self.swift, self.values, self.doc = name, swift, values, doc


def enum(name, swift, values, doc):
    """A mode: `gentrain_<name>` in C with GENTRAIN_<NAME>_<VALUE> = 0, 1, ...; the Swift enum `swift`
    (Int32 raw values in the same order); the values' names as strings in Python."""
    ENUMS[name] = Enum(name, swift, values, doc)


_section = None


def section(name):
    global _section
    _section = name
    SECTIONS[name] = []


def op(name, *args, swift, doc, pydoc=None, py="", inplace=False, underscore=False):
    SECTIONS[_section].append(Op(_section, name, args, swift, doc, pydoc, py, inplace=inplace, underscore=underscore))


def module(name, *args, swift, doc):
    """A module constructor, `gentrain_module_<name>_new(gentrain_module **out, args...)` in C:
    `swift` builds the engine's module (a GentrainNN `Module`) from the validated arguments. Python's
    modules are classes of the package (gentrain.nn), not generated."""
    SECTIONS[_section].append(Op(_section, name, args, swift, doc, None, "", kind="module"))


# ------------------------------------------------------------------------------------------------
section("Ops")

op("add", "a", "b:other", swift="{a}.add({b})", doc="a + b, broadcasting (torch.add).")
op("sub", "a", "b:other", swift="{a}.sub({b})", doc="a - b, broadcasting (torch.sub).")
op("mul", "a", "b:other", swift="{a}.mul({b})", doc="a * b, broadcasting (torch.mul).")
op("div", "a", "b:other", swift="{a}.div({b})", doc="a / b, broadcasting; true division (torch.div).")
op("pow", "a", "b:exponent", swift="{a}.pow({b})", doc="a ** b, broadcasting (torch.pow).")
op("lerp", "x", "end", "double weight", swift="{x}.lerp({end}, weight: {weight})", py="method torch",
   doc="x + weight * (end - x), broadcasting (torch.lerp with a number weight; an exponential moving average "
       "of weights is ema.lerp(p, 1 - decay)).")
op("floor_divide", "a", "b:other", swift="{a}.floorDivide({b})", py="method torch",
   doc="a / b rounded down (Python's //), broadcasting; integers exactly (a zero divisor is an error); "
       "no derivative, as PyTorch's: a backward pass through it fails (torch.floor_divide).")
op("remainder", "a", "b:other", swift="{a}.remainder({b})", py="method torch",
   doc="a - b * floor_divide(a, b), with the sign of b (Python's %), broadcasting; integers exactly (a zero "
       "divisor is an error) (torch.remainder).")
op("atan2", "a", "b:other", swift="{a}.atan2({b})", py="method torch",
   doc="The angle of the point (b, a) in (-pi, pi], broadcasting; integers give float32 (torch.atan2).")
op("fmod", "a", "b:other", swift="{a}.fmod({b})", py="method torch",
   doc="C's fmod: the remainder of a / b with a's sign, broadcasting; integers exactly (a zero divisor is an "
       "error) (torch.fmod).")
op("hypot", "a", "b:other", swift="{a}.hypot({b})", py="method torch",
   doc="sqrt(a^2 + b^2) without overflow, broadcasting; floating point only (torch.hypot).")
op("logaddexp", "a", "b:other", swift="{a}.logaddexp({b})", py="method torch",
   doc="log(e^a + e^b), computed stably, broadcasting; floating point only (torch.logaddexp).")
op("xlogy", "a", "b:other", swift="{a}.xlogy({b})", py="method torch",
   doc="a * log(b), 0 where a is 0 and b is not NaN, broadcasting; integers give float32 (torch.xlogy).")
op("heaviside", "x", "values", swift="{x}.heaviside({values})", py="method torch",
   doc="0 where x < 0, `values` where x is 0, 1 where x > 0, broadcasting, for x and values of one dtype; no "
       "gradient (torch.heaviside).")
op("maximum", "a", "b:other", swift="{a}.maximum({b})", py="method torch",
   doc="The larger of a and b, elementwise; NaN if either is NaN (torch.maximum).")
op("minimum", "a", "b:other", swift="{a}.minimum({b})", py="method torch",
   doc="The smaller of a and b, elementwise; NaN if either is NaN (torch.minimum).")
op("add_scalar", "a", "double value", swift="{a}.add({value})", doc="a + value; the scalar does not change a's dtype.")
op("mul_scalar", "a", "double value", swift="{a}.mul({value})", doc="a * value; the scalar does not change a's dtype.")
op("pow_scalar", "a", "double value", swift="{a}.pow({value})", doc="a ** value; the scalar does not change a's dtype.")
op("rsub_scalar", "a", "double value", swift="{value} - {a}", doc="value - a.")
op("rdiv_scalar", "a", "double value", swift="{value} / {a}", doc="value / a.")
op("matmul", "a", "b:other", swift="{a}.matmul({b})",
   doc="torch.matmul: 1-D and 2-D products, and batched ones with broadcast batch dims.")
op("dot", "a", "b:tensor", swift="{a}.dot({b})", py="method torch",
   doc="The inner product of two 1-D tensors of one length and dtype: a 0-d tensor (torch.dot).")
op("mv", "a", "b:vec", swift="{a}.mv({b})", py="method torch", doc="A matrix [n, m] times a vector [m] (torch.mv).")
op("mm", "a", "b:mat2", swift="{a}.mm({b})", py="method torch", doc="The product of matrices [n, m] and [m, p] (torch.mm).")
op("bmm", "a", "b:mat2", swift="{a}.bmm({b})", py="method torch",
   doc="Batched products of [b, n, m] and [b, m, p] (torch.bmm).")
op("addmm", "x", "mat1", "mat2", "double beta = 1.0", "double alpha = 1.0",
   swift="{x}.addmm({mat1}, {mat2}, beta: {beta}, alpha: {alpha})", py="method torch",
   doc="beta * x + alpha * (mat1 @ mat2), x broadcast to the product's shape; with beta 0, x is ignored "
       "(torch.addmm).")
op("baddbmm", "x", "batch1", "batch2", "double beta = 1.0", "double alpha = 1.0",
   swift="{x}.baddbmm({batch1}, {batch2}, beta: {beta}, alpha: {alpha})", py="method torch",
   doc="beta * x + alpha * (batch1 @ batch2), batched, as addmm (torch.baddbmm).")

op("neg", "x", swift="{x}.neg()", py="method torch", doc="-x (torch.neg).", underscore=True)
op("exp", "x", swift="{x}.exp()", py="method torch", doc="e^x (torch.exp).", underscore=True)
op("log", "x", swift="{x}.log()", py="method torch", doc="The natural logarithm (torch.log).", underscore=True)
op("log1p", "x", swift="{x}.log1p()", py="method torch", doc="log(1 + x), accurate near 0 (torch.log1p).", underscore=True)
op("log2", "x", swift="{x}.log2()", py="method torch", doc="The base-2 logarithm (torch.log2).", underscore=True)
op("log10", "x", swift="{x}.log10()", py="method torch", doc="The base-10 logarithm (torch.log10).", underscore=True)
op("expm1", "x", swift="{x}.expm1()", py="method torch", doc="e^x - 1, accurate near 0 (torch.expm1).", underscore=True)
op("sqrt", "x", swift="{x}.sqrt()", py="method torch", doc="The square root (torch.sqrt).", underscore=True)
op("rsqrt", "x", swift="{x}.rsqrt()", py="method torch", doc="1 / sqrt(x) (torch.rsqrt).", underscore=True)
op("abs", "x", swift="{x}.abs()", py="method torch", doc="|x|; its gradient is sign(x), 0 at 0 (torch.abs).", underscore=True)
op("reciprocal", "x", swift="{x}.reciprocal()", py="method torch", doc="1 / x (torch.reciprocal).", underscore=True)
op("sign", "x", swift="{x}.sign()", py="method torch", doc="-1, 0 or 1; its gradient is zero (torch.sign).", underscore=True)
op("floor", "x", swift="{x}.floor()", py="method torch",
   doc="Rounded down to an integral value, in x's dtype (integers unchanged); its gradient is zero (torch.floor).", underscore=True)
op("ceil", "x", swift="{x}.ceil()", py="method torch",
   doc="Rounded up to an integral value, as floor (torch.ceil).", underscore=True)
op("round", "x", swift="{x}.round()", py="method torch",
   doc="Rounded to the nearest integral value, ties to even, as floor (torch.round).", underscore=True)
op("trunc", "x", swift="{x}.trunc()", py="method torch",
   doc="Rounded toward zero to an integral value, as floor (torch.trunc).", underscore=True)
op("sin", "x", swift="{x}.sin()", py="method torch", doc="The sine (torch.sin).", underscore=True)
op("cos", "x", swift="{x}.cos()", py="method torch", doc="The cosine (torch.cos).", underscore=True)
op("erf", "x", swift="{x}.erf()", py="method torch", doc="The error function (torch.erf).", underscore=True)
op("erfc", "x", swift="{x}.erfc()", py="method torch", doc="1 - erf(x), accurate where erf(x) is near 1 (torch.erfc).", underscore=True)
op("erfinv", "x", swift="{x}.erfinv()", py="method torch",
   doc="The inverse of erf on [-1, 1]: +-infinity at +-1, NaN outside (torch.erfinv).", underscore=True)
op("lgamma", "x", swift="{x}.lgamma()", py="method torch", doc="log|Gamma(x)| (torch.lgamma).", underscore=True)
op("digamma", "x", swift="{x}.digamma()", py="method torch",
   doc="psi(x) = Gamma'(x) / Gamma(x): -inf at 0, NaN at the negative integers (torch.digamma).", underscore=True)
op("polygamma", "x", "int64 n", swift="{x}.polygamma({n})", py="method",
   doc="The n-th derivative of digamma, n in 0...100; NaN for x below -1000 when n >= 1 (Tensor.polygamma(n); "
       "torch.polygamma(n, x) takes n first).")
op("tan", "x", swift="{x}.tan()", py="method torch", doc="The tangent (torch.tan).", underscore=True)
op("asin", "x", swift="{x}.asin()", py="method torch", doc="The arcsine, NaN outside [-1, 1] (torch.asin).", underscore=True)
op("acos", "x", swift="{x}.acos()", py="method torch", doc="The arccosine, NaN outside [-1, 1] (torch.acos).", underscore=True)
op("atan", "x", swift="{x}.atan()", py="method torch", doc="The arctangent (torch.atan).", underscore=True)
op("sinh", "x", swift="{x}.sinh()", py="method torch", doc="The hyperbolic sine (torch.sinh).", underscore=True)
op("cosh", "x", swift="{x}.cosh()", py="method torch", doc="The hyperbolic cosine (torch.cosh).", underscore=True)
op("asinh", "x", swift="{x}.asinh()", py="method torch", doc="The inverse hyperbolic sine (torch.asinh).", underscore=True)
op("acosh", "x", swift="{x}.acosh()", py="method torch", doc="The inverse hyperbolic cosine, NaN below 1 (torch.acosh).", underscore=True)
op("atanh", "x", swift="{x}.atanh()", py="method torch", doc="The inverse hyperbolic tangent, NaN outside [-1, 1] (torch.atanh).", underscore=True)
op("exp2", "x", swift="{x}.exp2()", py="method torch", doc="2^x (torch.exp2).", underscore=True)
op("frac", "x", swift="{x}.frac()", py="method torch",
   doc="x - trunc(x), with x's sign; floating point only (torch.frac).", underscore=True)
op("sgn", "x", swift="{x}.sgn()", py="method torch", doc="The sign of a real tensor, as sign (torch.sgn).")
op("deg2rad", "x", swift="{x}.deg2rad()", py="method torch", doc="Degrees in radians (torch.deg2rad).", underscore=True)
op("rad2deg", "x", swift="{x}.rad2deg()", py="method torch", doc="Radians in degrees (torch.rad2deg).", underscore=True)
op("sinc", "x", swift="{x}.sinc()", py="method torch", doc="sin(pi x) / (pi x), 1 at 0 (torch.sinc).", underscore=True)
op("tanh", "x", swift="{x}.tanh()", py="method torch F", doc="The hyperbolic tangent (torch.tanh).", underscore=True)
op("sigmoid", "x", swift="{x}.sigmoid()", py="method torch F", doc="1 / (1 + e^-x) (torch.sigmoid).", underscore=True)
op("relu", "x", swift="{x}.relu()", py="method torch F", doc="max(x, 0) (torch.relu).", inplace=True, underscore=True)
op("leaky_relu", "x", "double negative_slope = 0.01", swift="{x}.leakyRelu(negativeSlope: {negative_slope})", py="F",
   doc="x where x >= 0, else negative_slope * x (F.leaky_relu).", inplace=True)
op("silu", "x", swift="{x}.silu()", py="F", doc="x * sigmoid(x) (F.silu, nn.SiLU).", inplace=True)
op("softsign", "x", swift="{x}.softsign()", py="F", doc="x / (1 + |x|) (F.softsign, nn.Softsign).")
op("elu", "x", "double alpha = 1.0", swift="{x}.elu(alpha: {alpha})", py="F",
   doc="x where x > 0, else alpha * (e^x - 1) (F.elu); gradients of any order.", inplace=True)
op("softplus", "x", "double beta = 1.0", "double threshold = 20.0",
   swift="{x}.softplus(beta: {beta}, threshold: {threshold})", py="F",
   doc="log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (F.softplus).")
op("hardtanh", "x:input", "double min_val = -1.0", "double max_val = 1.0",
   swift="{x}.hardtanh(minVal: {min_val}, maxVal: {max_val})", py="F",
   doc="x limited to [min_val, max_val], min_val <= max_val (F.hardtanh).", inplace=True)
op("relu6", "x:input", swift="{x}.relu6()", py="F", doc="min(max(x, 0), 6) (F.relu6).", inplace=True)
op("hardsigmoid", "x:input", swift="{x}.hardsigmoid()", py="F", doc="relu6(x + 3) / 6 (F.hardsigmoid).", inplace=True)
op("hardswish", "x:input", swift="{x}.hardswish()", py="F", doc="x * relu6(x + 3) / 6 (F.hardswish).", inplace=True)
op("mish", "x:input", swift="{x}.mish()", py="F", doc="x * tanh(softplus(x)) (F.mish).", inplace=True)
op("selu", "x:input", swift="{x}.selu()", py="F torch",
   doc="scale * elu(x, alpha) with SELU's constants alpha 1.6733 and scale 1.0507 (F.selu).", inplace=True)
op("celu", "x:input", "double alpha = 1.0", swift="{x}.celu(alpha: {alpha})", py="F torch",
   doc="x where x > 0, else alpha * (exp(x / alpha) - 1); alpha nonzero (F.celu).", inplace=True)
op("prelu", "x:input", "weight", swift="{x}.prelu({weight})", py="F torch",
   doc="x where x >= 0, else weight * x, with one slope in `weight` or one per channel (dim 1) (F.prelu).")
op("glu", "x:input", "int64 dim = -1", swift="{x}.glu(dim: {dim})", py="F",
   doc="a * sigmoid(b) for the halves a, b of x along `dim`, whose size must be even (F.glu).")
op("logsigmoid", "x:input", swift="{x}.logsigmoid()", py="F",
   doc="log(sigmoid(x)), computed stably (F.logsigmoid).")
op("softmin", "x:input", "int64 dim", swift="{x}.softmin(dim: {dim})", py="F",
   doc="softmax(-x) along `dim` (F.softmin).")
op("threshold", "x:input", "double threshold", "double value", swift="{x}.threshold({threshold}, value: {value})",
   py="F torch", doc="x where x > threshold, else `value` (F.threshold).", inplace=True)
op("tanhshrink", "x:input", swift="{x}.tanhshrink()", py="F", doc="x - tanh(x) (F.tanhshrink).")
op("softshrink", "x:input", "double lambd = 0.5", swift="{x}.softshrink(lambd: {lambd})", py="F",
   doc="x - lambd above lambd, x + lambd below -lambd, else 0; lambd >= 0 (F.softshrink).")
op("hardshrink", "x:input", "double lambd = 0.5", swift="{x}.hardshrink(lambd: {lambd})", py="F method torch",
   doc="x where |x| > lambd, else 0 (F.hardshrink).")
enum("gelu_approximate", "GELUApproximation", ["none", "tanh"], doc="GELU's formula: exact, or the tanh approximation.")
op("gelu", "x", "enum:gelu_approximate approximate = 'none'", swift="{x}.gelu(approximate: {approximate})", py="F",
   doc="x * Phi(x) with Phi the standard normal CDF, or its tanh approximation (F.gelu).")
op("clamp", "x", "double min", "double max", swift="{x}.clamp(min: {min}, max: {max})",
   doc="x limited to [min, max]; pass -INFINITY / INFINITY for no bound (torch.clamp).")
op("isnan", "x", swift="{x}.isnan()", py="method torch", doc="A bool tensor, true where x is NaN (never for integers).")
op("isinf", "x", swift="{x}.isinf()", py="method torch",
   doc="A bool tensor, true where x is +-infinity (never for integers).")
op("isfinite", "x", swift="{x}.isfinite()", py="method torch",
   doc="A bool tensor, true where x is neither NaN nor infinite (always for integers).")
op("nan_to_num", "x", "double nan = 0.0", "double? posinf = None", "double? neginf = None",
   swift="{x}.nanToNum(nan: {nan}, posinf: {posinf}, neginf: {neginf})", py="method torch",
   doc="NaN -> nan, +inf -> *posinf, -inf -> *neginf; posinf / neginf NULL for the dtype's largest "
       "and lowest finite values (torch.nan_to_num).",
   pydoc="NaN -> nan, +inf -> posinf, -inf -> neginf; None for the dtype's largest and lowest finite values.")
op("where", "cond", "a", "b", swift="Tensor.where({cond}, {a}, {b})",
   doc="cond ? a : b, with `cond` bool; all three broadcast (torch.where).")

op("eq", "a", "b:other", swift="{a}.eq({b})", doc="a == b as a bool tensor, broadcasting; no gradient.")
op("ne", "a", "b:other", swift="{a}.ne({b})", doc="a != b as a bool tensor, broadcasting; no gradient.")
op("lt", "a", "b:other", swift="{a}.lt({b})", doc="a < b as a bool tensor, broadcasting; no gradient.")
op("le", "a", "b:other", swift="{a}.le({b})", doc="a <= b as a bool tensor, broadcasting; no gradient.")
op("gt", "a", "b:other", swift="{a}.gt({b})", doc="a > b as a bool tensor, broadcasting; no gradient.")
op("ge", "a", "b:other", swift="{a}.ge({b})", doc="a >= b as a bool tensor, broadcasting; no gradient.")
op("logical_not", "x", swift="{x}.logicalNot()", py="method torch",
   doc="A bool tensor, true where x is zero (torch.logical_not); no gradient.")
op("logical_and", "a", "b:other", swift="{a}.logicalAnd({b})", py="method torch",
   doc="A bool tensor, true where both are nonzero (NaN counts as nonzero), broadcasting (torch.logical_and); no gradient.")
op("logical_or", "a", "b:other", swift="{a}.logicalOr({b})", py="method torch",
   doc="A bool tensor, true where either is nonzero, broadcasting (torch.logical_or); no gradient.")
op("logical_xor", "a", "b:other", swift="{a}.logicalXor({b})", py="method torch",
   doc="A bool tensor, true where exactly one is nonzero, broadcasting (torch.logical_xor); no gradient.")
op("bitwise_not", "x", swift="{x}.bitwiseNot()", py="method torch",
   doc="~x: every bit flipped in an integer tensor, logical not on a bool one; floating point is refused "
       "(torch.bitwise_not).")
op("bitwise_and", "a", "b:other", swift="{a}.bitwiseAnd({b})", py="method torch",
   doc="a & b on integer or bool tensors, broadcasting (torch.bitwise_and).")
op("bitwise_or", "a", "b:other", swift="{a}.bitwiseOr({b})", py="method torch",
   doc="a | b on integer or bool tensors, broadcasting (torch.bitwise_or).")
op("bitwise_xor", "a", "b:other", swift="{a}.bitwiseXor({b})", py="method torch",
   doc="a ^ b on integer or bool tensors, broadcasting (torch.bitwise_xor).")
op("bitwise_left_shift", "a", "b:other", swift="{a}.bitwiseLeftShift({b})", py="method torch",
   doc="a << b on integer tensors, broadcasting; 0 for a negative count or one of at least the dtype's "
       "width (torch.bitwise_left_shift).")
op("bitwise_right_shift", "a", "b:other", swift="{a}.bitwiseRightShift({b})", py="method torch",
   doc="a >> b, arithmetic, on integer tensors, broadcasting; the sign (0 or -1) for a negative count or "
       "one of at least the dtype's width (torch.bitwise_right_shift).")

REDUCE = ("dims dims:dim = None", "bool keepdim = False")
op("sum", "x", *REDUCE, swift="{x}.sum(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="The sum over `ndims` dims (negative counts from the end; ndims 0: every dim) (torch.sum); "
       "int64 for integer and bool tensors.",
   pydoc="The sum over `dim` (an int or a sequence; negative counts from the end; None: every dim); "
         "int64 for integer and bool tensors.")
op("mean", "x", *REDUCE, swift="{x}.mean(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="The mean over `ndims` dims (ndims 0: every dim) (torch.mean).",
   pydoc="The mean over `dim` (an int or a sequence; None: every dim).")
op("amax", "x", *REDUCE, swift="{x}.amax(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="The maximum over `ndims` dims (ndims 0: every dim), in x's dtype; the gradient is shared "
       "evenly among ties (torch.amax).",
   pydoc="The maximum over `dim` (None: every dim), in the tensor's dtype; the gradient is shared evenly "
         "among ties.")
op("amin", "x", *REDUCE, swift="{x}.amin(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="The minimum over `ndims` dims (ndims 0: every dim), as amax (torch.amin).",
   pydoc="The minimum over `dim` (None: every dim), as amax.")
op("count_nonzero", "x", "dims dims:dim = None", swift="{x}.countNonzero(dims: {dims})", py="method torch",
   doc="The int64 number of nonzero elements over `ndims` dims (ndims 0: every dim) (torch.count_nonzero).",
   pydoc="The int64 number of nonzero elements over `dim` (an int or a sequence; None: every dim).")
op("any", "x", *REDUCE, swift="{x}.any(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="A bool tensor: whether any element over `ndims` dims (ndims 0: every dim) is nonzero; false over "
       "none (torch.any).",
   pydoc="A bool tensor: whether any element over `dim` (None: every dim) is nonzero; false over none.")
op("all", "x", *REDUCE, swift="{x}.all(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="A bool tensor: whether every element over `ndims` dims (ndims 0: every dim) is nonzero; true over "
       "none (torch.all).",
   pydoc="A bool tensor: whether every element over `dim` (None: every dim) is nonzero; true over none.")
op("logsumexp", "x", *REDUCE, swift="{x}.logsumexp(dims: {dims}, keepdim: {keepdim})", py="method torch",
   doc="log(sum(exp(x))) over `ndims` dims (ndims 0: every dim), computed stably (torch.logsumexp).",
   pydoc="log(sum(exp(x))) over `dim` (None: every dim), computed stably.")
op("cumsum", "x", "int64 dim", swift="{x}.cumsum(dim: {dim})", py="method torch",
   doc="Running sums along `dim` (torch.cumsum): floating dtypes keep theirs (accumulated in "
       "float64), integers and bool give int64.")
op("cumprod", "x", "int64 dim", swift="{x}.cumprod(dim: {dim})", py="method torch",
   doc="Running products along `dim` (torch.cumprod), with cumsum's dtypes; the gradient is exact where x "
       "has zeros.")
op("prod", "x", "int64? dim = None", "bool keepdim = False", swift="{x}.prod(dim: {dim}, keepdim: {keepdim})",
   py="method torch",
   doc="The product over *dim, or over every element when dim is NULL (torch.prod): int64 for integer and "
       "bool tensors, 1 over no elements; the gradient is exact where x has zeros.",
   pydoc="The product over `dim`, or over every element when dim is None: int64 for integer and bool "
         "tensors, 1 over no elements; the gradient is exact where the tensor has zeros.")
op("var", "x", "dims dims", "int64 correction", "bool keepdim",
   swift="{x}.variance(dims: {dims}, correction: {correction}, keepdim: {keepdim})",
   doc="The variance over `ndims` dims (ndims 0: every dim) with `correction` subtracted from the "
       "count (1, Bessel's correction, is PyTorch's default) (torch.var).")
op("norm", "x", "double p = 2", *REDUCE, swift="{x}.norm(p: {p}, dims: {dims}, keepdim: {keepdim})",
   py="method torch", doc="The p-norm over `ndims` dims (ndims 0: every dim); p is 2, 1, INFINITY or "
                          "any p > 0 (torch.norm).",
   pydoc="The p-norm over `dim` (None: every dim); p is 2, 1, inf or any p > 0.")
op("argmax", "x", "int64 dim", "bool keepdim", swift="{x}.argmax(dim: {dim}, keepdim: {keepdim})",
   doc="The int64 index of the first maximum along `dim` (torch.argmax).")
op("argmin", "x", "int64 dim", "bool keepdim", swift="{x}.argmin(dim: {dim}, keepdim: {keepdim})",
   doc="The int64 index of the first minimum along `dim` (torch.argmin).")
op("masked_select", "x", "mask", swift="{x}.maskedSelect({mask})", py="method torch",
   doc="The elements where the bool `mask` is true (both broadcast to one shape), as a 1-D tensor in row-major "
       "order; gradients flow back to them (torch.masked_select).")
op("nonzero", "x", swift="{x}.nonzero()",
   doc="The int64 indices [n, ndim] of the n nonzero elements in row-major order (torch.nonzero, torch.argwhere).")
op("bincount", "x", "tensor? weights = None", "size minlength = 0", swift="{x}.bincount(weights: {weights}, minlength: {minlength})",
   py="method torch",
   doc="The count of each value 0...max of a 1-D int64/int32 tensor of non-negative values, at least `minlength` "
       "bins: int64, or the sums of `weights` (one per element; float64 for integer weights) (torch.bincount).")

op("diag", "x", "int64 diagonal = 0", swift="{x}.diag(diagonal: {diagonal})", py="method torch",
   doc="A 1-D x as the square matrix with x on its `diagonal`-th diagonal (0 the main one, above it "
       "positive), or that diagonal of a 2-D x as a 1-D copy (torch.diag).")
op("trace", "x", swift="{x}.trace()", py="method torch",
   doc="The sum of a matrix's main diagonal; int64 for integer matrices (torch.trace).")
op("outer", "a", "b:vec2", swift="{a}.outer({b})", py="method torch",
   doc="The outer product a[i] * b[j] of two 1-D tensors (torch.outer).")
op("det", "x:A", swift="{x}.det()", py="method torch",
   doc="The determinant of each square matrix in the last two dims of a float32 or float64 tensor, from its LU "
       "factorization (torch.linalg.det); its gradient at a singular matrix is an error.")
op("logdet", "x", swift="{x}.logdet()", py="method torch",
   doc="The log of each square matrix's determinant: NaN where it is negative, -inf where it is zero (torch.logdet).")
op("inverse", "x", swift="{x}.inv()", py="method torch",
   doc="The inverse of each square matrix in the last two dims (torch.linalg.inv); a singular matrix is an error.")
op("linalg_cholesky", "x:A", "bool upper = False", swift="{x}.cholesky(upper: {upper})",
   doc="The lower-triangular L with A = L L^T for each symmetric positive-definite matrix in the last two dims "
       "(float32 or float64; only A's lower triangle is read), or L^T with `upper`; a matrix that is not "
       "positive-definite is an error (torch.linalg.cholesky).")
op("linalg_solve", "a:A", "b:B", swift="{a}.solve({b})",
   doc="X with A X = B for the square matrices A [*, n, n] and B [*, n, k] or [*, n] (a vector per matrix when "
       "1-D or of A's shape without its last dim), batch dims broadcast; a singular A is an error "
       "(torch.linalg.solve).")
op("repeat_interleave", "x", "repeats", "int64? dim = None", swift="{x}.repeatInterleave({repeats}, dim: {dim})",
   doc="Each slice along *dim repeated in place, repeats[i] times (int64/int32 `repeats` of one count per "
       "slice, or of one count for all), the flattened x when dim is NULL (torch.repeat_interleave).")
op("reshape", "x", "dims shape", swift="{x}.reshape({shape})",
   doc="The same elements in `shape` (one size may be -1); a view when x is contiguous, else a copy.")
op("permute", "x", "dims dims", swift="{x}.permute({dims})", doc="A view with the dimensions in the order `dims`.")
op("expand", "x", "dims sizes", swift="{x}.expand({sizes})",
   doc="A view broadcast to `sizes` (-1 keeps a size); no memory is copied (Tensor.expand).")
op("flatten", "x", "int64 start_dim = 0", "int64 end_dim = -1",
   swift="{x}.flatten(startDim: {start_dim}, endDim: {end_dim})", py="method torch",
   doc="Dimensions start_dim...end_dim merged into one (torch.flatten).")
op("transpose", "x", "int64 dim0", "int64 dim1", swift="{x}.transpose({dim0}, {dim1})", py="method torch",
   doc="A view with dim0 and dim1 swapped (torch.transpose).")
op("squeeze", "x", "dims dims:dim = None", swift="{x}.squeeze(dims: {dims})", py="method torch",
   doc="A view without those of the `ndims` dims that have size 1; without every dimension of size 1 "
       "when ndims is 0 (torch.squeeze).",
   pydoc="A view without those of `dim` (an int or a sequence) that have size 1; without every dimension "
         "of size 1 when dim is None.")
op("unsqueeze", "x", "int64 dim", swift="{x}.unsqueeze({dim})", py="method torch",
   doc="A view with a new dimension of size 1 at `dim` (torch.unsqueeze).")
op("slice", "x", "int64 dim", "int64 start", "int64 end", "int64 step",
   swift="{x}.slice({dim}, start: {start}, end: {end}, step: {step})",
   doc="Python slicing x[start:end:step] along `dim` (bounds clamped; step > 0): a view.")
op("narrow", "x", "int64 dim", "int64 start", "int64 length",
   swift="{x}.narrow({dim}, start: {start}, length: {length})", py="method torch",
   doc="A view of `length` entries along `dim` from `start` (torch.narrow).")
op("select", "x", "int64 dim", "int64 index", swift="{x}.select({dim}, {index})", py="method torch",
   doc="x[..., index, ...] along `dim`, removing that dimension: a view (torch.select).")
op("tril", "x", "int64 diagonal = 0", swift="{x}.tril(diagonal: {diagonal})", py="method torch",
   doc="The lower triangle of the last two dims: element (i, j) where j - i <= diagonal, else zero (torch.tril).")
op("triu", "x", "int64 diagonal = 0", swift="{x}.triu(diagonal: {diagonal})", py="method torch",
   doc="The upper triangle of the last two dims: element (i, j) where j - i >= diagonal, else zero (torch.triu).")
op("flip", "x", "dims dims", swift="{x}.flip({dims})", py="method torch",
   doc="A copy with the elements in reverse order along each of the `ndims` dims (torch.flip).",
   pydoc="A copy with the elements in reverse order along each of `dims` (an int or a sequence).")
op("roll", "x", "dims shifts", "dims dims = None", swift="{x}.roll({shifts}, dims: {dims})", py="method torch",
   doc="A copy with the elements rotated by shifts[i] along dims[i] (element k moves to (k + shift) mod size); "
       "with ndims 0, the flattened tensor by the one shift (torch.roll).",
   pydoc="A copy with the elements rotated by shifts[i] along dims[i]; with dims None, the flattened tensor by "
         "the one shift.")
op("contiguous", "x", swift="{x}.contiguous()", py="method",
   doc="x itself when contiguous, else a row-major copy (Tensor.contiguous).")
op("clone", "x", swift="{x}.clone()", py="method torch", doc="A copy with its own memory; gradients flow back (torch.clone).")
op("to_dtype", "x", "dtype dtype", swift="{x}.to({dtype})",
   doc="x converted to `dtype`; x itself when it has that dtype (Tensor.to).")

op("index_select", "x", "int64 dim", "index", swift="{x}.indexSelect({dim}, {index})", py="method torch",
   doc="The entries of x at the int64/int32 `index` along `dim`; every index is range-checked (torch.index_select).")
op("index_add", "x", "int64 dim", "index", "source", swift="{x}.indexAdd({dim}, {index}, {source})",
   py="method torch", doc="x with `source` slices added at `index` along `dim` (torch.index_add).")
op("gather", "x", "int64 dim", "index", swift="{x}.gather({dim}, {index})", py="method torch",
   doc="out[i][j] = x[i][index[i][j]] for dim 1, and so on (torch.gather).")
op("scatter_add", "x", "int64 dim", "index", "src", swift="{x}.scatterAdd({dim}, {index}, {src})",
   py="method torch", doc="x with `src` added at `index` along `dim`, the inverse of gather (torch.scatter_add).")
op("scatter", "x", "int64 dim", "index", "src", swift="{x}.scatter({dim}, {index}, {src})",
   doc="x with src[...][j][...] written at index[...][j][...] along `dim` (the last write wins where an index "
       "repeats); every index is range-checked (torch.scatter).")
enum("scatter_reduction", "ScatterReduction", ["sum", "prod", "mean", "amax", "amin"],
     doc="How scatter_reduce combines the values that meet at one place.")
op("scatter_reduce", "x", "int64 dim", "index", "src", "enum:scatter_reduction reduce", "bool include_self = True",
   swift="{x}.scatterReduce({dim}, {index}, {src}, reduce: {reduce}, includeSelf: {include_self})", py="method torch",
   doc="x (floating point) with src[...][j][...] reduced into place index[...][j][...] along `dim` by sum, prod, "
       "mean, amax or amin; include_self false leaves x's values out of the places an index reaches "
       "(torch.scatter_reduce). Ties of amax / amin share the gradient evenly.")
op("diagonal", "x", "int64 offset = 0", "int64 dim1 = 0", "int64 dim2 = 1",
   swift="{x}.diagonal(offset: {offset}, dim1: {dim1}, dim2: {dim2})", py="method torch",
   doc="The offset-th diagonal (0 the main one, above it positive) of the matrices in dims dim1 and dim2, as the "
       "last dim of a copy without those dims (torch.diagonal).")
op("masked_fill", "x", "mask", "double value", swift="{x}.maskedFill({mask}, {value})", py="method torch",
   doc="x with `value` where the bool `mask` (broadcast to x) is true (torch.masked_fill).")

# ------------------------------------------------------------------------------------------------
section("Layers")

op("linear", "x:input", "weight", "tensor? bias = None", swift="linear({x}, {weight}, {bias})", py="F",
   doc="x W^T + b for x [*, in], weight [out, in], bias [out] or NULL (F.linear).")
op("cdist", "x1", "x2", "double p = 2.0", swift="cdist({x1}, {x2}, p: {p})", py="torch",
   doc="The p-distances between the rows of x1 [*, P, M] and x2 [*, R, M] -> [*, P, R], batch dims broadcast; "
       "p = 2 with more than 25 rows through matrix products, as PyTorch (torch.cdist).")
op("rms_norm", "x:input", "dims normalized_shape", "tensor? weight = None", "double? eps = None",
   swift="rmsNorm({x}, normalizedShape: {normalized_shape}, weight: {weight}, eps: {eps})", py="F",
   doc="x * rsqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times `weight` (that shape, or NULL); "
       "eps NULL for the dtype's machine epsilon (F.rms_norm).",
   pydoc="x * rsqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times `weight` when given; eps None "
         "for the dtype's machine epsilon.")
op("gumbel_softmax", "logits", "double tau = 1.0", "bool hard = False", "int64 dim = -1",
   swift="gumbelSoftmax({logits}, tau: {tau}, hard: {hard}, dim: {dim})", py="F",
   doc="softmax((logits + g) / tau) along `dim` with Gumbel noise g from the default generator; `hard` gives the "
       "one-hot argmax with the soft sample's gradient (F.gumbel_softmax).")
enum("grid_sample_mode", "GridSampleMode", ["bilinear", "nearest"],
     doc="How grid_sample reads between pixels: the four neighbours weighted, or the nearest one.")
enum("grid_padding_mode", "GridPaddingMode", ["zeros", "border"],
     doc="What grid_sample reads outside the input: zeros, or the nearest border pixel.")
op("grid_sample", "x:input", "grid", "enum:grid_sample_mode mode = 'bilinear'", "enum:grid_padding_mode padding_mode = 'zeros'",
   "bool align_corners = False",
   swift="gridSample({x}, {grid}, mode: {mode}, paddingMode: {padding_mode}, alignCorners: {align_corners})", py="F",
   doc="The input [N, C, H, W] read at the grid's locations [N, Hout, Wout, 2] (x, y in [-1, 1]; align_corners: -1 "
       "and 1 are the corner pixels' centres, else their outer edges) -> [N, C, Hout, Wout]; gradients reach the input "
       "and, bilinear, the grid (F.grid_sample).")
op("affine_grid", "theta", "dims size", "bool align_corners = False",
   swift="affineGrid({theta}, size: {size}, alignCorners: {align_corners})", py="F",
   doc="The sampling grid [N, H, W, 2] of the affine maps theta [N, 2, 3] for an output of `size` [N, C, H, W] "
       "(F.affine_grid).")
op("normalize", "x:input", "double p = 2.0", "int64 dim = 1", "double eps = 1e-12",
   swift="normalize({x}, p: {p}, dim: {dim}, eps: {eps})", py="F",
   doc="x divided by its p-norm along `dim`, the norm taken as at least eps (F.normalize).")
op("softmax", "x", "int64 dim", swift="{x}.softmax(dim: {dim})", py="method torch F",
   doc="exp(x) / sum(exp(x)) along `dim` (F.softmax).")
op("log_softmax", "x", "int64 dim", swift="{x}.logSoftmax(dim: {dim})", py="method torch F",
   doc="log(softmax(x)) along `dim`, computed stably (F.log_softmax).")
op("dropout", "x", "double p = 0.5", "bool training = True", swift="{x}.dropout(p: {p}, training: {training})",
   py="F", doc="Zeroes elements with probability p and scales the rest by 1/(1-p) when training; x "
               "itself otherwise (F.dropout).", inplace=True)
op("dropout1d", "x:input", "double p = 0.5", "bool training = True",
   swift="{x}.featureDropout(p: {p}, training: {training}, spatialDims: 1)", py="F", inplace=True,
   doc="Whole channels of [N, C, L] (or [C, L]) zeroed with probability p, the rest scaled by 1/(1-p), when "
       "training (F.dropout1d).")
op("dropout2d", "x:input", "double p = 0.5", "bool training = True",
   swift="{x}.featureDropout(p: {p}, training: {training}, spatialDims: 2)", py="F", inplace=True,
   doc="Whole channels of [N, C, H, W] (or [C, H, W]) zeroed with probability p, as dropout1d (F.dropout2d).")
op("dropout3d", "x:input", "double p = 0.5", "bool training = True",
   swift="{x}.featureDropout(p: {p}, training: {training}, spatialDims: 3)", py="F", inplace=True,
   doc="Whole channels of [N, C, D, H, W] (or [C, D, H, W]) zeroed with probability p, as dropout1d (F.dropout3d).")
enum("embedding_bag_mode", "EmbeddingBagMode", ["sum", "mean", "max"], doc="How embedding_bag reduces a bag's rows.")
op("embedding_bag", "x:input", "weight", "tensor? offsets = None", "enum:embedding_bag_mode mode = 'mean'",
   "tensor? per_sample_weights = None", "bool include_last_offset = False", "int64? padding_idx = None",
   swift="embeddingBag({x}, {weight}, offsets: {offsets}, mode: {mode}, perSampleWeights: {per_sample_weights}, "
         "includeLastOffset: {include_last_offset}, paddingIdx: {padding_idx})", py="F",
   doc="The rows of weight [num_embeddings, dim] for each bag of indices, reduced by sum, mean or max -> [bags, dim]: "
       "x is [bags, n], or 1-D with ascending `offsets` (the first 0) where bag b is x[offsets[b]:offsets[b + 1]] "
       "(with include_last_offset, offsets' last entry ends the last bag). per_sample_weights (x's shape) "
       "scale the rows, for sum only; indices equal to *padding_idx are left out; an empty bag gives zeros "
       "(F.embedding_bag).")
op("local_response_norm", "x:input", "count window:size", "double alpha = 0.0001", "double beta = 0.75", "double k = 1.0",
   swift="localResponseNorm({x}, size: {window}, alpha: {alpha}, beta: {beta}, k: {k})", py="F",
   doc="x / (k + alpha * mean of x^2 over `window` neighbouring channels)^beta, the mean along dim 1 of [N, C, *] "
       "(3-D or more) with zeros past the edges, always divided by window (F.local_response_norm's size).")
op("embedding", "indices:input", "weight", "int64? padding_idx = None",
   swift="embedding({indices}, {weight}, paddingIdx: {padding_idx})", py="F",
   doc="Rows of weight [num_embeddings, dim] at `indices` -> [*indices.shape, dim]; rows looked up "
       "at *padding_idx (negative counts from the end; NULL for none) pass no gradient (F.embedding).",
   pydoc="Rows of weight [num_embeddings, dim] at `input` -> [*input.shape, dim]; rows looked up at "
         "`padding_idx` (negative counts from the end) pass no gradient.")
op("conv3d", "x:input", "weight", "tensor? bias = None", "dims stride = None", "dims padding = None",
   "dims dilation = None", "count groups = 1",
   swift='conv3d({x}, {weight}, bias: {bias}, stride: triple({stride}, "stride", default: 1), '
         'padding: triple({padding}, "padding", default: 0), dilation: triple({dilation}, "dilation", default: 1), groups: {groups})',
   py="F", doc="The 3-D convolution of x [N, C, D, H, W] with weight [O, C/groups, kd, kh, kw] and *bias [O]; stride, padding "
               "and dilation as 3 entries, 1 for all three, or none for 1, 0, 1 (F.conv3d).")
op("pixel_unshuffle", "x:input", "count downscale_factor", swift="pixelUnshuffle({x}, downscaleFactor: {downscale_factor})",
   py="F", doc="[N, C, H r, W r] -> [N, C r^2, H, W], the inverse of pixel_shuffle (F.pixel_unshuffle).")
op("max_pool1d", "x:input", "count kernel_size", "int64? stride = None", "size padding = 0", "count dilation = 1",
   "bool ceil_mode = False",
   swift="maxPool1d({x}, kernel: {kernel_size}, stride: try ({stride}).map {{ try size(Int64($0), \"stride\", min: 1) }}, "
         "padding: {padding}, dilation: {dilation}, ceilMode: {ceil_mode})", py="F",
   doc="The maximum of each window along the last dim of [N, C, L] or [C, L]; *stride NULL is the kernel size "
       "(F.max_pool1d).", pydoc="The maximum of each window along the last dim of [N, C, L] or [C, L]; stride None is "
                              "the kernel size.")
op("avg_pool1d", "x:input", "count kernel_size", "int64? stride = None", "size padding = 0", "bool ceil_mode = False",
   "bool count_include_pad = True",
   swift="avgPool1d({x}, kernel: {kernel_size}, stride: try ({stride}).map {{ try size(Int64($0), \"stride\", min: 1) }}, "
         "padding: {padding}, ceilMode: {ceil_mode}, countIncludePad: {count_include_pad})", py="F",
   doc="The mean of each window along the last dim of [N, C, L] or [C, L]; *stride NULL is the kernel size "
       "(F.avg_pool1d).", pydoc="The mean of each window along the last dim of [N, C, L] or [C, L]; stride None is "
                              "the kernel size.")
op("adaptive_max_pool2d", "x:input", "count height", "count width", swift="adaptiveMaxPool2d({x}, outputSize: ({height}, {width}))",
   doc="The maximum of each of height x width windows tiling [N, C, H, W] (window i along an axis of n spans "
       "floor(i n / out) ..< ceil((i + 1) n / out)); tied maxima share the gradient (F.adaptive_max_pool2d).")
op("conv_transpose1d", "x:input", "weight", "tensor? bias = None", "count stride = 1", "size padding = 0",
   "size output_padding = 0", "count groups = 1", "count dilation = 1",
   swift="convTranspose1d({x}, {weight}, bias: {bias}, stride: {stride}, padding: {padding}, outputPadding: {output_padding}, "
         "groups: {groups}, dilation: {dilation})", py="F",
   doc="Transposed 1-D convolution of [N, Cin, L] with weight [Cin, Cout/groups, k] (F.conv_transpose1d).")
op("pixel_shuffle", "x:input", "count upscale_factor", swift="pixelShuffle({x}, upscaleFactor: {upscale_factor})", py="F",
   doc="[N, C r^2, H, W] -> [N, C, H r, W r] (F.pixel_shuffle).")
enum("padding_mode", "PadMode", ["constant", "reflect", "replicate", "circular"],
     doc="How padding fills the border: a constant, the input mirrored at its edge (edge not repeated), "
         "the edge repeated, or the input wrapped around (F.pad's modes).")
op("pad_mode", "x:input", "dims pad", "enum:padding_mode mode = 'constant'", "double value = 0.0",
   swift="{x}.pad({pad}, mode: {mode}, value: {value})",
   doc="x padded by (before, after) amounts from the last dim backwards, filled as `mode` says "
       "(F.pad): non-negative pads; reflect, replicate and circular pad the last 1-3 dims of a "
       "batched or unbatched input, reflect by less than the dim's size, circular by at most it; "
       "gentrain_pad is its constant mode with value 0.")
op("layer_norm", "x:input", "dims normalized_shape", "tensor? weight = None", "tensor? bias = None",
   "double eps = 1e-5", swift="layerNorm({x}, normalizedShape: {normalized_shape}, weight: {weight}, bias: {bias}, eps: {eps})",
   py="F", doc="Normalizes over the last dims given by `normalized_shape`, then scales by weight and "
               "shifts by bias (each that shape, or NULL) (F.layer_norm).")
op("group_norm", "x:input", "count groups:num_groups", "tensor? weight = None", "tensor? bias = None",
   "double eps = 1e-5", swift="groupNorm({x}, groups: {groups}, weight: {weight}, bias: {bias}, eps: {eps})", py="F",
   doc="Normalizes each of `groups` channel groups of [N, C, *], then per-channel weight and bias "
       "[C] (or NULL) (F.group_norm).")
op("instance_norm", "x:input", "tensor? weight = None", "tensor? bias = None", "double eps = 1e-5",
   swift="instanceNorm({x}, weight: {weight}, bias: {bias}, eps: {eps})", py="F",
   doc="Normalizes each channel of each sample of [N, C, *] over its own elements, then weight and "
       "bias [C] (or NULL) (F.instance_norm without running statistics).")

# ------------------------------------------------------------------------------------------------
section("Losses")

op("mse_loss", "input", "target", "reduction reduction = 'mean'",
   swift="mseLoss({input}, {target}, reduction: {reduction})", py="F",
   doc="(input - target)^2, reduced (F.mse_loss); input and target broadcast (with a warning when "
       "that changes the shape, as PyTorch).")
op("l1_loss", "input", "target", "reduction reduction = 'mean'",
   swift="l1Loss({input}, {target}, reduction: {reduction})", py="F", doc="|input - target|, reduced (F.l1_loss).")
op("smooth_l1_loss", "input", "target", "reduction reduction = 'mean'", "double beta = 1.0",
   swift="smoothL1Loss({input}, {target}, reduction: {reduction}, beta: {beta})", py="F",
   doc="0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = input - target (F.smooth_l1_loss).")
op("huber_loss", "input", "target", "reduction reduction = 'mean'", "double delta = 1.0",
   swift="huberLoss({input}, {target}, reduction: {reduction}, delta: {delta})", py="F",
   doc="0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (F.huber_loss).")
op("binary_cross_entropy", "input", "target", "tensor? weight = None", "reduction reduction = 'mean'",
   swift="binaryCrossEntropy({input}, {target}, weight: {weight}, reduction: {reduction})", py="F",
   doc="-(t log p + (1 - t) log(1 - p)) on probabilities `input` in [0, 1], each log clamped at -100; "
       "`weight` (or NULL) scales each element (F.binary_cross_entropy).")
op("binary_cross_entropy_with_logits", "input", "target", "tensor? weight = None", "reduction reduction = 'mean'",
   "tensor? pos_weight = None",
   swift="binaryCrossEntropyWithLogits({input}, {target}, weight: {weight}, posWeight: {pos_weight}, reduction: {reduction})",
   py="F", doc="Binary cross-entropy on logits, stable for any |x|; `weight` and `pos_weight` (the "
               "positive class's weight per class) may be NULL (F.binary_cross_entropy_with_logits).")
op("kl_div", "input", "target", "kl_reduction reduction = 'mean'", "bool log_target = False",
   swift="klDiv({input}, {target}, reduction: {reduction}, logTarget: {log_target})", py="F",
   doc="The KL divergence with `input` as log-probabilities (and `target` too when log_target) "
       "(F.kl_div); GENTRAIN_REDUCTION_BATCHMEAN is the mathematically correct mean.")
op("gaussian_nll_loss", "input", "target", "var", "bool full = False", "double eps = 1e-6",
   "reduction reduction = 'mean'",
   swift="gaussianNLLLoss({input}, {target}, variance: {var}, full: {full}, eps: {eps}, reduction: {reduction})",
   doc="The Gaussian negative log-likelihood with variances `var` (clamped to at least eps); "
               "`full` adds the constant 0.5 log(2 pi) (F.gaussian_nll_loss).")
op("cosine_similarity", "x1", "x2", "int64 dim = 1", "double eps = 1e-8",
   swift="cosineSimilarity({x1}, {x2}, dim: {dim}, eps: {eps})", py="F",
   doc="x1 . x2 / max(||x1|| ||x2||, eps) along `dim` (F.cosine_similarity).")
op("cosine_embedding_loss", "x1:input1", "x2:input2", "y:target", "double margin = 0.0",
   "reduction reduction = 'mean'",
   swift="cosineEmbeddingLoss({x1}, {x2}, {y}, margin: {margin}, reduction: {reduction})", py="F",
   doc="1 - cos(x1, x2) where y is 1, max(0, cos(x1, x2) - margin) where y is -1, per row "
       "(F.cosine_embedding_loss).")
op("pairwise_distance", "x1", "x2", "double p = 2.0", "double eps = 1e-6", "bool keepdim = False",
   swift="pairwiseDistance({x1}, {x2}, p: {p}, eps: {eps}, keepdim: {keepdim})", py="F",
   doc="||x1 - x2 + eps||_p along the last dim (F.pairwise_distance).")
op("triplet_margin_loss", "anchor", "positive", "negative", "double margin = 1.0", "double p = 2.0", "double eps = 1e-6",
   "bool swap = False", "reduction reduction = 'mean'",
   swift="tripletMarginLoss(anchor: {anchor}, positive: {positive}, negative: {negative}, margin: {margin}, p: {p}, "
         "eps: {eps}, swap: {swap}, reduction: {reduction})", py="F",
   doc="max(0, margin + d(anchor, positive) - d(anchor, negative)) with pairwise p-distances; `swap` takes the "
       "smaller of d(anchor, negative) and d(positive, negative) (F.triplet_margin_loss).")
op("margin_ranking_loss", "x1:input1", "x2:input2", "y:target", "double margin = 0.0", "reduction reduction = 'mean'",
   swift="marginRankingLoss({x1}, {x2}, {y}, margin: {margin}, reduction: {reduction})", py="F",
   doc="max(0, -y * (x1 - x2) + margin) for labels y of +-1 (F.margin_ranking_loss).")
op("hinge_embedding_loss", "input", "target", "double margin = 1.0", "reduction reduction = 'mean'",
   swift="hingeEmbeddingLoss({input}, {target}, margin: {margin}, reduction: {reduction})", py="F",
   doc="x where the target is 1, max(0, margin - x) where it is -1 (F.hinge_embedding_loss).")
op("soft_margin_loss", "input", "target", "reduction reduction = 'mean'",
   swift="softMarginLoss({input}, {target}, reduction: {reduction})", py="F",
   doc="log(1 + exp(-y x)) for labels y of +-1, computed stably (F.soft_margin_loss).")
op("multilabel_soft_margin_loss", "input", "target", "tensor? weight = None", "reduction reduction = 'mean'",
   swift="multilabelSoftMarginLoss({input}, {target}, weight: {weight}, reduction: {reduction})", py="F",
   doc="-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), weighted per class by `weight` (or NULL), averaged over the "
       "classes (the last dim), then reduced over the samples (F.multilabel_soft_margin_loss).")
op("poisson_nll_loss", "input", "target", "bool log_input = True", "bool full = False", "double eps = 1e-8",
   "reduction reduction = 'mean'",
   swift="poissonNLLLoss({input}, {target}, logInput: {log_input}, full: {full}, eps: {eps}, reduction: {reduction})",
   py="F", doc="exp(x) - y x for log-rates x (log_input), else x - y log(x + eps); `full` adds Stirling's "
               "approximation of log(y!) where y > 1 (F.poisson_nll_loss).")
op("multi_margin_loss", "input", "target", "int64 p = 1", "double margin = 1.0", "tensor? weight = None",
   "reduction reduction = 'mean'",
   swift="multiMarginLoss({input}, {target}, p: {p}, margin: {margin}, weight: {weight}, reduction: {reduction})", py="F",
   doc="The sum over classes j other than the target y of max(0, margin - x[y] + x[j])^p / C, p 1 or 2, scaled by "
       "weight[y] (or NULL), for input [N, C] or [C] and int64 targets [N] or 0-d (F.multi_margin_loss).")
op("vae_kl_divergence", "mu", "logvar", "kl_reduction reduction",
   swift="vaeKLDivergence(mu: {mu}, logvar: {logvar}, reduction: {reduction})",
   doc="-0.5 * sum(1 + logvar - mu^2 - exp(logvar)), the VAE's KL term, reduced: SUM as in the VAE "
       "paper, NONE, MEAN over elements, or BATCHMEAN (the sum over the first dimension's size).")
op("reparameterize", "mu", "logvar", swift="reparameterize(mu: {mu}, logvar: {logvar})",
   doc="mu + exp(0.5 logvar) * eps with eps ~ N(0, 1) from the default generator (the VAE's "
       "reparameterization trick).")

# ------------------------------------------------------------------------------------------------
section("Modules")

module("linear", "size in_features", "size out_features", "bool bias = True",
       swift="Linear({in_features}, {out_features}, bias: {bias})",
       doc="nn.Linear(in_features, out_features, bias): weight [out, in] and bias [out] uniform in "
           "+-1/sqrt(in_features), as PyTorch initializes them.")
module("relu", swift="ReLU()", doc="nn.ReLU().")
module("leaky_relu", "double negative_slope = 0.01", swift='Layers.leakyReLU(finite({negative_slope}, "negative_slope"))',
       doc="nn.LeakyReLU(negative_slope).")
module("elu", "double alpha = 1.0", swift='Layers.elu(finite({alpha}, "alpha"))', doc="nn.ELU(alpha).")
module("gelu", "enum:gelu_approximate approximate = 'none'", swift="Layers.gelu(approximate: {approximate})",
       doc="nn.GELU(approximate).")
module("softplus", "double beta = 1.0", "double threshold = 20.0",
       swift='Layers.softplus(beta: finite({beta}, "beta"), threshold: finite({threshold}, "threshold"))',
       doc="nn.Softplus(beta, threshold).")
module("hardtanh", "double min_val = -1.0", "double max_val = 1.0",
       swift='Layers.hardtanh(minVal: finite({min_val}, "min_val"), maxVal: finite({max_val}, "max_val"))',
       doc="nn.Hardtanh(min_val, max_val).")
module("relu6", swift="Layers.relu6()", doc="nn.ReLU6().")
module("hardsigmoid", swift="Layers.hardsigmoid()", doc="nn.Hardsigmoid().")
module("hardswish", swift="Layers.hardswish()", doc="nn.Hardswish().")
module("mish", swift="Layers.mish()", doc="nn.Mish().")
module("selu", swift="Layers.selu()", doc="nn.SELU().")
module("celu", "double alpha = 1.0", swift='Layers.celu(alpha: finite({alpha}, "alpha"))', doc="nn.CELU(alpha).")
module("prelu", "count num_parameters = 1", "double initial = 0.25",
       swift='PReLU(numParameters: {num_parameters}, initialSlope: finite({initial}, "initial"))',
       doc="nn.PReLU(num_parameters, init=initial): a learned slope `weight` [num_parameters] (one, or one per "
           "channel), each starting at `initial`.")
module("glu", "int64 dim = -1", swift="Layers.glu(dim: moduleDim({dim}))", doc="nn.GLU(dim).")
module("logsigmoid", swift="Layers.logsigmoid()", doc="nn.LogSigmoid().")
module("softmin", "int64 dim", swift="Layers.softmin(dim: moduleDim({dim}))", doc="nn.Softmin(dim).")
module("threshold", "double threshold", "double value",
       swift='Layers.threshold(finite({threshold}, "threshold"), value: {value})', doc="nn.Threshold(threshold, value).")
module("tanhshrink", swift="Layers.tanhshrink()", doc="nn.Tanhshrink().")
module("softshrink", "double lambd = 0.5", swift='Layers.softshrink(lambd: finite({lambd}, "lambd"))', doc="nn.Softshrink(lambd).")
module("hardshrink", "double lambd = 0.5", swift='Layers.hardshrink(lambd: finite({lambd}, "lambd"))', doc="nn.Hardshrink(lambd).")
module("softmax", "int64 dim", swift="Layers.softmax(dim: moduleDim({dim}))", doc="nn.Softmax(dim).")
module("log_softmax", "int64 dim", swift="Layers.logSoftmax(dim: moduleDim({dim}))", doc="nn.LogSoftmax(dim).")
module("flatten", "int64 start_dim = 1", "int64 end_dim = -1",
       swift="Layers.flatten(startDim: moduleDim({start_dim}), endDim: moduleDim({end_dim}))",
       doc="nn.Flatten(start_dim, end_dim): dims start_dim...end_dim of the input as one.")
module("unflatten", "int64 dim", "dims sizes", swift="Layers.unflatten(dim: moduleDim({dim}), sizes: {sizes})",
       doc="nn.Unflatten(dim, sizes[0..nsizes)): dim `dim` of the input as `sizes` (one of them may be -1).")
module("dropout", "double p = 0.5", swift="Dropout({p})", doc="nn.Dropout(p): active in training mode only.")
module("dropout1d", "double p = 0.5", swift="FeatureDropout({p}, spatialDims: 1)",
       doc="nn.Dropout1d(p): whole channels zeroed in training mode only.")
module("dropout2d", "double p = 0.5", swift="FeatureDropout({p}, spatialDims: 2)", doc="nn.Dropout2d(p).")
module("dropout3d", "double p = 0.5", swift="FeatureDropout({p}, spatialDims: 3)", doc="nn.Dropout3d(p).")
module("local_response_norm", "count window:size", "double alpha = 0.0001", "double beta = 0.75", "double k = 1.0",
       swift="LocalResponseNorm({window}, alpha: {alpha}, beta: {beta}, k: {k})",
       doc="nn.LocalResponseNorm(size = window, alpha, beta, k): local_response_norm as a module.")
module("rms_norm", "dims normalized_shape", "double? eps = None", "bool elementwise_affine = True",
       swift='RMSNorm(parameterShape({normalized_shape}, "normalized_shape"), eps: ({eps}).map {{ try epsilon($0) }}, '
             'elementwiseAffine: {elementwise_affine})',
       doc="nn.RMSNorm(normalized_shape[0..ndim), *eps, elementwise_affine): a weight of ones; eps NULL for the "
           "dtype's machine epsilon.")
module("batch_norm", "count num_features", "double eps = 1e-5", "double? momentum = 0.1", "bool affine = True",
       "bool track_running_stats = True",
       swift='BatchNorm({num_features}, eps: epsilon({eps}), momentum: ({momentum}).map {{ try unitInterval($0, "momentum") }}, '
             'affine: {affine}, trackRunningStats: {track_running_stats})',
       doc="nn.BatchNorm1d / nn.BatchNorm2d(num_features, eps, *momentum, affine, track_running_stats): running "
           "statistics as buffers (running_mean, running_var, num_batches_tracked) updated with momentum, or "
           "their cumulative average when momentum is NULL (PyTorch's None); batch statistics in training "
           "mode, and in eval mode too without track_running_stats (then there are no buffers).")
module("layer_norm", "dims normalized_shape", "double eps = 1e-5", "bool elementwise_affine = True",
       swift='LayerNorm(parameterShape({normalized_shape}, "normalized_shape"), eps: epsilon({eps}), '
             'elementwiseAffine: {elementwise_affine})',
       doc="nn.LayerNorm(normalized_shape[0..ndim), eps, elementwise_affine).")
module("group_norm", "count num_groups", "count num_channels", "double eps = 1e-5", "bool affine = True",
       swift="GroupNorm({num_groups}, {num_channels}, eps: epsilon({eps}), affine: {affine})",
       doc="nn.GroupNorm(num_groups, num_channels, eps, affine).")
module("embedding", "count num_embeddings", "count embedding_dim", "int64? padding_idx = None",
       swift="Embedding({num_embeddings}, {embedding_dim}, paddingIdx: {padding_idx})",
       doc="nn.Embedding(num_embeddings, embedding_dim, padding_idx): input int64 indices of any shape; "
           "padding_idx NULL for none, else its row starts at zero and gets no gradient.")
module("pixel_shuffle", "count upscale_factor", swift="Layers.pixelShuffle({upscale_factor})",
       doc="nn.PixelShuffle(upscale_factor).")
module("pixel_unshuffle", "count downscale_factor", swift="Layers.pixelUnshuffle({downscale_factor})",
       doc="nn.PixelUnshuffle(downscale_factor).")
module("max_pool1d", "count kernel_size", "int64? stride = None", "size padding = 0", "count dilation = 1", "bool ceil_mode = False",
       swift="Layers.maxPool1d({kernel_size}, stride: try ({stride}).map {{ try size(Int64($0), \"stride\", min: 1) }}, "
             "padding: {padding}, dilation: {dilation}, ceilMode: {ceil_mode})",
       doc="nn.MaxPool1d(kernel_size, *stride, padding, dilation, ceil_mode); stride NULL is the kernel size.")
module("avg_pool1d", "count kernel_size", "int64? stride = None", "size padding = 0", "bool ceil_mode = False",
       "bool count_include_pad = True",
       swift="Layers.avgPool1d({kernel_size}, stride: try ({stride}).map {{ try size(Int64($0), \"stride\", min: 1) }}, "
             "padding: {padding}, ceilMode: {ceil_mode}, countIncludePad: {count_include_pad})",
       doc="nn.AvgPool1d(kernel_size, *stride, padding, ceil_mode, count_include_pad); stride NULL is the kernel size.")
module("conv_transpose1d", "count in_channels", "count out_channels", "count kernel_size", "count stride = 1",
       "size padding = 0", "size output_padding = 0", "count groups = 1", "bool bias = True", "count dilation = 1",
       swift="ConvTranspose1d({in_channels}, {out_channels}, kernelSize: {kernel_size}, stride: {stride}, padding: {padding}, "
             "outputPadding: {output_padding}, groups: {groups}, bias: {bias}, dilation: {dilation})",
       doc="nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, "
           "dilation) over [N, C, L], with PyTorch's initialization.")
module("adaptive_max_pool2d", "count height", "count width", swift="Layers.adaptiveMaxPool2d(({height}, {width}))",
       doc="nn.AdaptiveMaxPool2d((height, width)).")
module("adaptive_avg_pool2d", "count height", "count width", swift="Layers.adaptiveAvgPool2d(({height}, {width}))",
       doc="nn.AdaptiveAvgPool2d((height, width)).")
module("conv3d", "count in_channels", "count out_channels", "dims kernel_size", "dims stride = None",
       "dims padding = None", "dims dilation = None", "count groups = 1", "bool bias = True",
       swift='Conv3d({in_channels}, {out_channels}, kernelSize: triple({kernel_size}, "kernel_size"), '
             'stride: triple({stride}, "stride", default: 1), padding: triple({padding}, "padding", default: 0), '
             'dilation: triple({dilation}, "dilation", default: 1), groups: {groups}, bias: {bias})',
       doc="nn.Conv3d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias) over [N, C, D, H, W], "
           "each size as 3 entries or 1 for all three (none: 1, 0, 1), with PyTorch's initialization.")
module("conv1d", "count in_channels", "count out_channels", "count kernel_size", "count stride = 1",
       "size padding = 0", "count dilation = 1", "count groups = 1", "bool bias = True",
       swift="Conv1d({in_channels}, {out_channels}, kernelSize: {kernel_size}, stride: {stride}, "
             "padding: .explicit({padding}, {padding}), dilation: {dilation}, groups: {groups}, bias: {bias})",
       doc="nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias) over "
           "[N, C, L], with PyTorch's initialization.")
module("lstm", "count input_size", "count hidden_size", "count num_layers = 1", "bool bias = True",
       "bool batch_first = False", "double dropout = 0.0", "bool bidirectional = False",
       swift="LSTM({input_size}, {hidden_size}, numLayers: {num_layers}, bias: {bias}, batchFirst: {batch_first}, "
             "dropout: {dropout}, bidirectional: {bidirectional})",
       doc="nn.LSTM(input_size, hidden_size, num_layers (at most 1024), bias, batch_first, dropout, bidirectional) with "
           "PyTorch's parameter names (weight_ih_l0, ...) and initialization; gentrain_module_forward "
           "returns the output, gentrain_module_recurrent_forward also the final states.")
module("gru", "count input_size", "count hidden_size", "count num_layers = 1", "bool bias = True",
       "bool batch_first = False", "double dropout = 0.0", "bool bidirectional = False",
       swift="GRU({input_size}, {hidden_size}, numLayers: {num_layers}, bias: {bias}, batchFirst: {batch_first}, "
             "dropout: {dropout}, bidirectional: {bidirectional})",
       doc="nn.GRU(input_size, hidden_size, num_layers (at most 1024), bias, batch_first, dropout, bidirectional), as "
           "gentrain_module_lstm_new.")
module("lstm_cell", "count input_size", "count hidden_size", "bool bias = True",
       swift="LSTMCell({input_size}, {hidden_size}, bias: {bias})",
       doc="nn.LSTMCell(input_size, hidden_size, bias): gentrain_module_forward returns h from a zero "
           "state, gentrain_module_recurrent_forward takes and returns (h, c).")
module("gru_cell", "count input_size", "count hidden_size", "bool bias = True",
       swift="GRUCell({input_size}, {hidden_size}, bias: {bias})",
       doc="nn.GRUCell(input_size, hidden_size, bias), as gentrain_module_lstm_cell_new without c.")
