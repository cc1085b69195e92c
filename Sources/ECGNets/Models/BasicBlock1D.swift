import DistTensor

/// A residual BasicBlock: `relu(se(bn2(conv2(drop(relu(bn1(conv1(x))))))) + shortcut(x))`, where `se` is a
/// squeeze-and-excitation gate (SE-ResNet, Hu et al. 2018) or nothing, and the shortcut is the identity or, when
/// stride or width change, a 1×1 convolution and BatchNorm. Activations are channels-last `[N, L, C]` (see `Tensor`).
/// In training, `bn1` applies its ReLU and the dropout mask in its own pass, and without a gate `bn2` adds the
/// shortcut and applies the block's ReLU in its own (their backward undoes them in its first pass).
///
/// Parameter names follow the PyTorch reference: `c1`, `b1`, `c2`, `b2`, `se.fc1`, `se.fc2`, `down.0`, `down.1`.
final class BasicBlock1D {
    let conv1: Conv1D
    let norm1: BatchNorm1D
    /// Dropout's probability after the first ReLU (drawn inside `norm1`'s pass).
    let dropout: Float
    let conv2: Conv1D
    let norm2: BatchNorm1D
    let excitation: SqueezeExcitation1D?
    let downsample: (conv: Conv1D, norm: BatchNorm1D)?

    private var output: Tensor?

    init(name: String, inChannels: Int, outChannels: Int, stride: Int, kernel: Int, dropout: Float,
         squeezeExcitation reduction: Int? = nil, layout: inout ParameterLayout, workspace: Workspace) {
        let padding = kernel / 2
        conv1 = Conv1D(name: "\(name).c1", inChannels: inChannels, outChannels: outChannels, kernelSize: kernel,
                       stride: stride, padding: padding, layout: &layout, workspace: workspace)
        norm1 = BatchNorm1D(name: "\(name).b1", channels: outChannels, layout: &layout)
        conv2 = Conv1D(name: "\(name).c2", inChannels: outChannels, outChannels: outChannels, kernelSize: kernel,
                       stride: 1, padding: padding, layout: &layout, workspace: workspace)
        norm2 = BatchNorm1D(name: "\(name).b2", channels: outChannels, layout: &layout)
        precondition(dropout >= 0 && dropout < 1, "dropout probability must be in [0, 1)")
        self.dropout = dropout
        excitation = reduction.map { SqueezeExcitation1D(name: "\(name).se", channels: outChannels, reduction: $0, layout: &layout) }
        if stride != 1 || inChannels != outChannels {
            let conv = Conv1D(name: "\(name).down.0", inChannels: inChannels, outChannels: outChannels, kernelSize: 1,
                              stride: stride, layout: &layout, workspace: workspace)
            downsample = (conv, BatchNorm1D(name: "\(name).down.1", channels: outChannels, layout: &layout))
        } else {
            downsample = nil
        }
    }

    func forward(_ x: Tensor, _ store: ParameterStore, training: Bool, dropoutKey: UInt64) -> Tensor {
        guard training else { return evaluate(x, store) }
        let h = norm1.forward(conv1.forward(x, store), store, training: true, rectify: true, dropout: (dropout, dropoutKey))
        let shortcut = downsample.map { $0.norm.forward($0.conv.forward(x, store), store, training: true) } ?? x
        let y: Tensor
        if let excitation {
            y = excitation.forward(norm2.forward(conv2.forward(h, store), store, training: true), store, training: true)
            Elementwise.addAndRectify(shortcut, into: y)
        } else {
            y = norm2.forward(conv2.forward(h, store), store, training: true, rectify: true, adding: shortcut)
        }
        output = y
        return y
    }

    /// The evaluation forward: each BatchNorm is folded into its convolution's weights and the ReLU after
    /// the first into its post-op, so the block makes no separate normalisation passes; each convolution writes
    /// where its BatchNorm's output goes in training (bfloat16 for `norm1` in that precision), so evaluation
    /// allocates nothing training does not hold.
    private func evaluate(_ x: Tensor, _ store: ParameterStore) -> Tensor {
        func into(_ conv: Conv1D, _ norm: BatchNorm1D, _ input: Tensor) -> Tensor {
            norm.outputTensor([input.shape[0], conv.outputLength(input.shape[1]), conv.outChannels])
        }
        let h = conv1.forward(x, store, epilogue: norm1.evaluationEpilogue(store, rectify: true), into: into(conv1, norm1, x))
        var y = conv2.forward(h, store, epilogue: norm2.evaluationEpilogue(store, rectify: false), into: into(conv2, norm2, h))
        if let excitation { y = excitation.forward(y, store, training: false) }
        let shortcut = downsample.map {
            $0.conv.forward(x, store, epilogue: $0.norm.evaluationEpilogue(store, rectify: false), into: into($0.conv, $0.norm, x))
        } ?? x
        Elementwise.addAndRectify(shortcut, into: y)
        return y
    }

    /// Returns `dL/dx`; `dy` is overwritten.
    func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let y = output else { preconditionFailure("BasicBlock1D.backward before forward") }
        let dResidual: Tensor
        if let excitation {
            ReLU.backward(inPlace: dy, output: y)
            dResidual = excitation.backward(dy, store)
        } else {
            dResidual = dy  // norm2's backward masks it by the block's ReLU, in place: then it is the shortcut's too
        }
        let dh = conv2.backward(norm2.backward(dResidual, store, inPlace: excitation != nil), store)
        let dx = conv1.backward(norm1.backward(dh, store, inPlace: true), store)
        // After norm2 (and the gate, which leaves `dy` alone), `dy` serves only the shortcut: its BatchNorm may overwrite it.
        let dShortcut = downsample.map { $0.conv.backward($0.norm.backward(dy, store, inPlace: true), store) } ?? dy
        Elementwise.add(dShortcut, into: dx)
        return dx
    }
}
