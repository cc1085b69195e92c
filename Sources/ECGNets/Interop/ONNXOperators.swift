import DistTensor

/// The layers of the zoo in ONNX operators (opset 17), each from the layer object the model computes with, so a
/// model's description follows its forward. Convolutional values are `[N, C, L]` (ONNX's layout; ours run
/// channels-last inside, which changes no number); sequences are batch-first `[N, T, C]`, as our layers take them.
extension ONNXGraph {
    public mutating func convolution(_ x: String, _ conv: Conv1D) -> String {
        node("Conv", [x, tensor(conv.weight)] + (conv.bias.map { [tensor($0)] } ?? []),
             attributes: [("kernel_shape", .ints([conv.kernelSize])), ("strides", .ints([conv.stride])),
                          ("pads", .ints([conv.padding, conv.padding])), ("dilations", .ints([1])), ("group", .int(1))])
    }

    /// Inference BatchNorm: running statistics (`training_mode` 0, the default).
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

    /// The samples `[start, end)` of the last axis of `[N, C, L]`.
    public mutating func slice(_ x: String, samples: Range<Int>) -> String {
        node("Slice", [x, integers([samples.lowerBound]), integers([samples.upperBound]), integers([2])])
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
        let (q, k, v) = (node("Gather", [split, integers([0], scalar: true)], attributes: [("axis", .int(0))]),
                         node("Gather", [split, integers([1], scalar: true)], attributes: [("axis", .int(0))]),
                         node("Gather", [split, integers([2], scalar: true)], attributes: [("axis", .int(0))]))
        let scores = node("Mul", [node("MatMul", [q, transpose(k, [0, 1, 3, 2])]), scalar(1 / Float(width).squareRoot())])
        let weights = node("Softmax", [scores], attributes: [("axis", .int(-1))])
        let joined = reshape(transpose(node("MatMul", [weights, v]), [0, 2, 1, 3]), [0, 0, e])
        return projection(joined, weight: attention.outProjectionWeight, bias: attention.outProjectionBias)
    }
}
