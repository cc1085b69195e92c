import CDNNL
import Foundation

/// The small elementwise primitives new layers are built from (residual sums, gates, activations, layout changes),
/// each with its derivative beside it. They follow the layer contract (see `LayerContract.md`): a primitive that
/// works in place says so in its name (`into`, `inPlace`), the others return new storage owned by the caller, and
/// a backward writes (`=`) the input gradients it returns. Every loop is split over `Parallel`'s threads.
///
/// Elementwise operations do not care about the activation layout; the transposes convert between the two layouts
/// DistTensor uses, `[N, C, W]` (channels first) and `[N, W, C]` (channels last).
public enum Elementwise {
    /// Below this many elements a loop stays on the calling thread.
    private static let grain = 65_536

    // MARK: Sum

    /// `target ← target + source` (the residual sum; also how two gradient paths meet). Its derivative passes `dy`
    /// to both operands unchanged.
    public static func add(_ source: Tensor, into target: Tensor) {
        precondition(source.shape == target.shape, "add: shapes \(source.shape) and \(target.shape)")
        let shared = UncheckedSendable((source.base, target.base))
        Parallel.forEachChunk(target.count, grain: grain) { range in
            let (source, target) = shared.value
            cdnnl_add(source + range.lowerBound, target + range.lowerBound, range.count)
        }
    }

    /// `target ← max(target + source, 0)`: a residual sum and its ReLU in one pass.
    public static func addAndRectify(_ source: Tensor, into target: Tensor) {
        precondition(source.shape == target.shape, "addAndRectify: shapes \(source.shape) and \(target.shape)")
        let shared = UncheckedSendable((source.base, target.base))
        Parallel.forEachChunk(target.count, grain: grain) { range in
            let (source, target) = shared.value
            cdnnl_add_relu(source + range.lowerBound, target + range.lowerBound, range.count)
        }
    }

    /// The derivative of `addAndRectify` for both operands: `dy ← dy · [y > 0]`, where `y` is its output.
    public static func addAndRectifyBackward(inPlace dy: Tensor, output y: Tensor) {
        ReLU.backward(inPlace: dy, output: y)
    }

    // MARK: Product

    /// `a ⊙ b` in new storage (gates).
    public static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "multiply: shapes \(a.shape) and \(b.shape)")
        let y = Tensor(zeros: a.shape)
        let shared = UncheckedSendable((a.base, b.base, y.base))
        Parallel.forEachChunk(y.count, grain: grain) { range in
            let (a, b, y) = shared.value
            for i in range { y[i] = a[i] * b[i] }
        }
        return y
    }

    /// The derivative of `multiply`: `(dy ⊙ b, dy ⊙ a)` in new storage.
    public static func multiplyBackward(_ dy: Tensor, _ a: Tensor, _ b: Tensor) -> (da: Tensor, db: Tensor) {
        (multiply(dy, b), multiply(dy, a))
    }

    // MARK: Activations

    /// `σ(x) = 1 / (1 + e^(−x))` in new storage.
    public static func sigmoid(_ x: Tensor) -> Tensor {
        map(x) { 1 / (1 + Foundation.exp(-$0)) }
    }

    /// The derivative of `sigmoid` from its output `y`: `dy ⊙ y ⊙ (1 − y)`, in new storage.
    public static func sigmoidBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
        zip(dy, y) { dy, y in dy * y * (1 - y) }
    }

    /// `tanh(x)` in new storage.
    public static func tanh(_ x: Tensor) -> Tensor {
        map(x) { Foundation.tanh($0) }
    }

    /// The derivative of `tanh` from its output `y`: `dy ⊙ (1 − y²)`, in new storage.
    public static func tanhBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
        zip(dy, y) { dy, y in dy * (1 - y * y) }
    }

    /// GELU in PyTorch's exact (erf) form, `x·Φ(x) = x/2 · (1 + erf(x/√2))`, in new storage.
    public static func gelu(_ x: Tensor) -> Tensor {
        map(x) { 0.5 * $0 * (1 + Foundation.erf($0 * 0.707_106_77)) }
    }

    /// The derivative of `gelu` from its input `x`: `dy ⊙ (Φ(x) + x·φ(x))`, φ the standard normal density.
    public static func geluBackward(_ dy: Tensor, input x: Tensor) -> Tensor {
        zip(dy, x) { dy, x in dy * (0.5 * (1 + Foundation.erf(x * 0.707_106_77)) + x * 0.398_942_28 * Foundation.exp(-0.5 * x * x)) }
    }

    /// LeakyReLU, `x` where positive and `slope·x` elsewhere (PyTorch's default slope 0.01), in new storage.
    public static func leakyReLU(_ x: Tensor, slope: Float = 0.01) -> Tensor {
        map(x) { $0 > 0 ? $0 : slope * $0 }
    }

    /// The derivative of `leakyReLU` from its input `x`: `dy` where `x > 0`, `slope·dy` elsewhere, in new storage.
    public static func leakyReLUBackward(_ dy: Tensor, input x: Tensor, slope: Float = 0.01) -> Tensor {
        zip(dy, x) { dy, x in x > 0 ? dy : slope * dy }
    }

    // MARK: Layouts

    /// `[N, A, B]` to `[N, B, A]` in new storage: channels first (`[N, C, W]`) to channels last (`[N, W, C]`) and
    /// back. It is its own derivative: the gradient of a transpose is the transpose of the gradient.
    public static func transposeLastTwo(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "transposeLastTwo needs [N, A, B], got \(x.shape)")
        let y = Tensor(zeros: [x.shape[0], x.shape[2], x.shape[1]])
        ChannelsLast.transpose(x.base, into: y.base, batch: x.shape[0], rows: x.shape[1], columns: x.shape[2])
        return y
    }

    // MARK: Helpers

    private static func map(_ x: Tensor, _ f: @escaping @Sendable (Float) -> Float) -> Tensor {
        let y = Tensor(zeros: x.shape)
        let shared = UncheckedSendable((x.base, y.base))
        Parallel.forEachChunk(y.count, grain: grain) { range in
            let (x, y) = shared.value
            for i in range { y[i] = f(x[i]) }
        }
        return y
    }

    private static func zip(_ a: Tensor, _ b: Tensor, _ f: @escaping @Sendable (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
        let y = Tensor(zeros: a.shape)
        let shared = UncheckedSendable((a.base, b.base, y.base))
        Parallel.forEachChunk(y.count, grain: grain) { range in
            let (a, b, y) = shared.value
            for i in range { y[i] = f(a[i], b[i]) }
        }
        return y
    }
}
