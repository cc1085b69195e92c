import DistTensor

/// The layers of the zoo in ONNX operators (opset 17), each from the layer object the model computes with, so a
/// model's description follows its forward. Convolutional values are `[N, C, L]` and `[N, C, H, W]` (ONNX's layouts;
/// ours run channels-last inside, `[N, L, C]` and `[N, H, W, C]`, which changes no number); sequences are batch-first
/// `[N, T, C]`, as our layers take them.
extension ONNXGraph {
    public mutating func convolution(_ x: String, _ conv: Conv1D) -> String {
        convolution(x, weight: conv.weight, bias: conv.bias, kernel: [conv.kernelSize], stride: conv.stride, padding: conv.padding)
    }

    /// A square-kernel 2-D convolution on `[N, C, H, W]`; the weights are `[out, in, k, k]` in both layouts.
    public mutating func convolution(_ x: String, _ conv: Conv2D) -> String {
        convolution(x, weight: conv.weight, bias: conv.bias, kernel: [conv.kernelSize, conv.kernelSize], stride: conv.stride,
                    padding: conv.padding)
    }

    /// Conv of `kernel` (one size per spatial axis) with the same stride and padding (both ends) on every axis.
    private mutating func convolution(_ x: String, weight: ParameterSlot, bias: ParameterSlot?, kernel: [Int], stride: Int,
                                      padding: Int) -> String {
        let axes = kernel.count
        return node("Conv", [x, tensor(weight)] + (bias.map { [tensor($0)] } ?? []),
                    attributes: [("kernel_shape", .ints(kernel)), ("strides", .ints(Array(repeating: stride, count: axes))),
                                 ("pads", .ints(Array(repeating: padding, count: 2 * axes))),
                                 ("dilations", .ints(Array(repeating: 1, count: axes))), ("group", .int(1))])
    }

    /// Inference BatchNorm: running statistics (`training_mode` 0, the default), per channel (axis 1) of `[N, C, ...]`
    /// — also BatchNorm2d, which our networks compute as `BatchNorm1D` on the channels-last `[N, H·W, C]` view.
    public mutating func batchNormalization(_ x: String, _ norm: BatchNorm1D) -> String {
        node("BatchNormalization", [x, tensor(norm.weight), tensor(norm.bias), tensor(norm.runningMean, kind: .buffer),
                                    tensor(norm.runningVariance, kind: .buffer)],
             attributes: [("epsilon", .float(norm.epsilon)), ("momentum", .float(1 - norm.momentum))])
    }

    public mutating func relu(_ x: String) -> String { node("Relu", [x]) }

    public mutating func leakyReLU(_ x: String, slope: Float) -> String {
        node("LeakyRelu", [x], attributes: [("alpha", .float(slope))])
    }

    /// PyTorch's exact GELU, `x/2 · (1 + erf(x/√2))` (as `Elementwise.gelu`), in Erf, Div, Add and Mul.
    public mutating func gelu(_ x: String) -> String {
        let erf = node("Erf", [node("Div", [x, scalar(Float(2).squareRoot())])])
        return node("Mul", [node("Mul", [x, node("Add", [erf, scalar(1)])]), scalar(0.5)])
    }

    public mutating func add(_ a: String, _ b: String) -> String { node("Add", [a, b]) }

    /// Max-pooling; ONNX pads with -inf as PyTorch does, and rounds the output length down (`ceil_mode` 0) as we do.
    public mutating func maxPool(_ x: String, _ pool: MaxPool1D) -> String {
        node("MaxPool", [x], attributes: [("kernel_shape", .ints([pool.kernelSize])), ("strides", .ints([pool.stride])),
                                          ("pads", .ints([pool.padding, pool.padding]))])
    }

    /// 2-D max-pooling on `[N, C, H, W]` over non-overlapping `k × k` windows, the partial last row and column dropped.
    public mutating func maxPool(_ x: String, _ pool: MaxPool2D) -> String {
        let k = pool.kernelSize
        return node("MaxPool", [x], attributes: [("kernel_shape", .ints([k, k])), ("strides", .ints([k, k])),
                                                 ("pads", .ints([0, 0, 0, 0]))])
    }

    /// Mean over the samples axis: `[N, C, L]` to `[N, C]`.
    public mutating func globalAveragePool(_ x: String) -> String {
        node("Flatten", [node("GlobalAveragePool", [x])], attributes: [("axis", .int(1))])
    }

    /// Mean over the steps of a sequence: `[N, T, C]` to `[N, C]`.
    public mutating func meanOverSteps(_ x: String) -> String {
        node("ReduceMean", [x], attributes: [("axes", .ints([1])), ("keepdims", .int(0))])
    }

    /// `x · Wᵀ + b` on `[N, in]`.
    public mutating func linear(_ x: String, _ layer: Linear, output: String? = nil) -> String {
        node("Gemm", [x, tensor(layer.weight), tensor(layer.bias)], output: output,
             attributes: [("alpha", .float(1)), ("beta", .float(1)), ("transB", .int(1))])
    }

    /// `x · Wᵀ + b` on the last axis of `[..., in]` (MatMul with the transposed state_dict weight, then Add).
    mutating func projection(_ x: String, weight: ParameterSlot, bias: ParameterSlot) -> String {
        add(node("MatMul", [x, transpose(tensor(weight), [1, 0])]), tensor(bias))
    }

    public mutating func transpose(_ x: String, _ permutation: [Int]) -> String {
        node("Transpose", [x], attributes: [("perm", .ints(permutation))])
    }

    /// Reshape to `shape`, where 0 keeps the input's dimension there (the dynamic batch) and -1 is inferred.
    public mutating func reshape(_ x: String, _ shape: [Int]) -> String {
        node("Reshape", [x, integers(shape)])
    }

    public mutating func concatenate(_ xs: [String], axis: Int) -> String {
        node("Concat", xs, attributes: [("axis", .int(axis))])
    }

    /// The positions `range` of `axis`.
    public mutating func slice(_ x: String, axis: Int, _ range: Range<Int>) -> String {
        node("Slice", [x, integers([range.lowerBound]), integers([range.upperBound]), integers([axis])])
    }

    /// `x` indexed along `axis` by the int64 constant `indices` of `shape` (the axis replaced by `shape`; `[]` takes
    /// one position and removes the axis).
    public mutating func gather(_ x: String, _ indices: [Int], shape: [Int], axis: Int) -> String {
        node("Gather", [x, integers(indices, shape: shape)], attributes: [("axis", .int(axis))])
    }

    /// Squeeze-and-excitation on `[N, C, L]`: GlobalAveragePool → Gemm (fc1) → Relu → Gemm (fc2) → Sigmoid →
    /// Unsqueeze to `[N, C, 1]` → Mul, each channel scaled by its gate.
    public mutating func squeezeExcitation(_ x: String, _ gate: SqueezeExcitation1D) -> String {
        let hidden = relu(linear(globalAveragePool(x), gate.fc1))
        let scale = node("Unsqueeze", [node("Sigmoid", [linear(hidden, gate.fc2)]), integers([2])])
        return node("Mul", [x, scale])
    }

    /// Layer normalisation over the last axis (`LayerNormalization`, opset 17), biased variance as PyTorch's.
    public mutating func layerNormalization(_ x: String, _ norm: LayerNorm) -> String {
        node("LayerNormalization", [x, tensor(norm.weight), tensor(norm.bias)],
             attributes: [("axis", .int(-1)), ("epsilon", .float(norm.epsilon))])
    }

    /// A stack of GRU or LSTM layers on a batch-first `[N, T, C]` sequence, returning every step's last-layer
    /// hidden state `[N, T, H]`. ONNX's recurrent operators take time-major `[T, N, C]` (onnxruntime runs no other
    /// `layout`) and return `[T, 1, N, H]`, so the sequence is transposed once at each end and the direction axis
    /// squeezed after each layer. The weights are rearranged from PyTorch's gate order to ONNX's — GRU r, z, n to z,
    /// r, h with `linear_before_reset` 1 (PyTorch's `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`); LSTM i, f, g, o
    /// to i, o, f, c — and both biases joined into `B = [Wb, Rb]`, under derived names (`gru.W_l0`, `gru.R_l0`,
    /// `gru.B_l0`). Zero initial states, no peepholes, default activations: our `Recurrent`'s definition.
    public mutating func recurrent(_ x: String, _ layer: Recurrent) -> String {
        let hidden = layer.hiddenSize
        // Source gate block of each ONNX gate block.
        let order = layer.cell == .gru ? [1, 0, 2] : [0, 3, 1, 2]
        func rearranged(_ slot: ParameterSlot) -> [Float] {
            let (values, width) = (store.value(slot), slot.count / (order.count * hidden))
            return order.flatMap { block in
                Array(UnsafeBufferPointer(start: values + block * hidden * width, count: hidden * width))
            }
        }
        var h = transpose(x, [1, 0, 2])
        for (l, slots) in layer.slots.enumerated() {
            let prefix = String(entry(slots.weightIH).name.dropLast("weight_ih_l\(l)".count))
            let rows = order.count * hidden
            let w = tensor(named: "\(prefix)W_l\(l)", shape: [1, rows, slots.inputSize], values: rearranged(slots.weightIH))
            let r = tensor(named: "\(prefix)R_l\(l)", shape: [1, rows, hidden], values: rearranged(slots.weightHH))
            let b = tensor(named: "\(prefix)B_l\(l)", shape: [1, 2 * rows],
                           values: rearranged(slots.biasIH) + rearranged(slots.biasHH))
            var attributes: [(String, Attribute)] = [("hidden_size", .int(hidden))]
            if layer.cell == .gru { attributes.append(("linear_before_reset", .int(1))) }
            let y = node(layer.cell == .gru ? "GRU" : "LSTM", [h, w, r, b], attributes: attributes)
            h = node("Squeeze", [y, integers([1])])
        }
        return transpose(h, [1, 0, 2])
    }

    /// Multi-head self-attention on `[N, T, E]` (query = key = value), as `MultiheadAttention` in evaluation: the
    /// input projection (MatMul, Add), split into heads by Reshape `[N, T, 3, heads, d]`, Transpose to
    /// `[3, N, heads, T, d]` and Gather of q, k, v; `softmax(q·kᵀ / √d)` over the keys (MatMul, Mul, Softmax), `·v`,
    /// heads joined back (Transpose, Reshape) and the output projection.
    public mutating func selfAttention(_ x: String, _ attention: MultiheadAttention) -> String {
        let (e, heads) = (attention.embedding, attention.heads)
        let width = e / heads
        let qkv = projection(x, weight: attention.inProjectionWeight, bias: attention.inProjectionBias)
        let split = transpose(reshape(qkv, [0, 0, 3, heads, width]), [2, 0, 3, 1, 4])
        let (q, k, v) = (gather(split, [0], shape: [], axis: 0), gather(split, [1], shape: [], axis: 0),
                         gather(split, [2], shape: [], axis: 0))
        let scores = node("Mul", [node("MatMul", [q, transpose(k, [0, 1, 3, 2])]), scalar(1 / Float(width).squareRoot())])
        let weights = node("Softmax", [scores], attributes: [("axis", .int(-1))])
        let joined = reshape(transpose(node("MatMul", [weights, v]), [0, 2, 1, 3]), [0, 0, e])
        return projection(joined, weight: attention.outProjectionWeight, bias: attention.outProjectionBias)
    }

    /// `Spectrogram` on `[N, C, L]` (`L` = `length`) as `[N, C, F, T]` (`torch.stft`'s layout; ours is channels-last
    /// `[N, F, T, C]`): Gather of every frame's samples through the reflect padding (the layer's own `reflected` index
    /// table, `[T, nFFT]`) → `[N, C, T, nFFT]`, MatMul with the layer's windowed DFT table `[nFFT, 2F]` (initializer
    /// `spectrogram.dft`), the real and imaginary halves sliced, `Sqrt(re·re + im·im)`, `log1p` as `Log(1 + m)` when
    /// `logarithmic` (ONNX has no Log1p; rounding `1 + m` to float32 costs at most 6e-8 absolute), Transpose.
    public mutating func spectrogram(_ x: String, _ layer: Spectrogram, length: Int) -> String {
        let (bins, frames, nFFT) = (layer.bins, layer.frameCount(length), layer.nFFT)
        let indices = (0..<frames).flatMap { t in (0..<nFFT).map { k in layer.reflected(t * layer.hop + k, length: length) } }
        let framed = gather(x, indices, shape: [frames, nFFT], axis: 2)
        let spectrum = node("MatMul", [framed, tensor(named: "spectrogram.dft", shape: [nFFT, 2 * bins], values: layer.basis)])
        let (re, im) = (slice(spectrum, axis: 3, 0..<bins), slice(spectrum, axis: 3, bins..<(2 * bins)))
        var magnitude = node("Sqrt", [add(node("Mul", [re, re]), node("Mul", [im, im]))])
        if layer.logarithmic { magnitude = node("Log", [add(magnitude, scalar(1))]) }
        return transpose(magnitude, [0, 1, 3, 2])
    }
}
