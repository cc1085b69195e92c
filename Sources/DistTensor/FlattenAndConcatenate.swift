/// Channels-last activations `[N, L, C]` to the `[N, C·L]` features PyTorch's `nn.Flatten` makes of its `[N, C, L]`
/// (feature `c·L + t`), so a `Linear` after it takes the reference's weights unchanged. With `L = 1` (after global
/// pooling) both orders coincide and forward and backward are views, with no copy.
public final class Flatten {
    private var inputShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "Flatten expects [N, L, C], got \(x.shape)")
        inputShape = x.shape
        let (batch, length, channels) = (x.shape[0], x.shape[1], x.shape[2])
        if length == 1 { return Tensor(shape: [batch, channels], storage: x.storage) }
        let y = output.tensor([batch, channels * length])
        ChannelsLast.transpose(x.base, into: y.base, batch: batch, rows: length, columns: channels)
        return y
    }

    /// The inverse reorder of the gradient (its derivative is its transpose).
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, length, channels) = (inputShape[0], inputShape[1], inputShape[2])
        precondition(dy.shape == [batch, channels * length], "Flatten gradient shape \(dy.shape)")
        if length == 1 { return Tensor(shape: inputShape, storage: dy.storage) }
        let dx = inputGradient.tensor(inputShape)
        ChannelsLast.transpose(dy.base, into: dx.base, batch: batch, rows: channels, columns: length)
        return dx
    }
}

/// Branches joined along the last axis (features of `[N, F]`, channels of `[N, L, C]`), as `torch.cat(dim=-1)`:
/// how a multi-branch network feeds one classifier. Backward hands each branch its slice of the gradient.
public final class Concatenation {
    private var widths: [Int] = []
    private var leadingShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradients: [ReusableStorage] = []

    public init() {}

    public func forward(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "Concatenation of no tensors")
        let leading = Array(parts[0].shape.dropLast())
        precondition(parts.allSatisfy { Array($0.shape.dropLast()) == leading },
                     "Concatenation needs equal leading shapes, got \(parts.map(\.shape))")
        widths = parts.map { $0.shape.last! }
        leadingShape = leading
        let (rows, total) = (leading.reduce(1, *), widths.reduce(0, +))
        let y = output.tensor(leading + [total])
        var offset = 0
        for (part, width) in zip(parts, widths) {
            for row in 0..<rows { (y.base + row * total + offset).update(from: part.base + row * width, count: width) }
            offset += width
        }
        return y
    }

    /// `dL/dpart` for each part, in the forward's order.
    public func backward(_ dy: Tensor) -> [Tensor] {
        let (rows, total) = (leadingShape.reduce(1, *), widths.reduce(0, +))
        precondition(dy.shape == leadingShape + [total], "Concatenation gradient shape \(dy.shape)")
        while inputGradients.count < widths.count { inputGradients.append(ReusableStorage()) }
        var offset = 0
        var gradients: [Tensor] = []
        for (index, width) in widths.enumerated() {
            let dx = inputGradients[index].tensor(leadingShape + [width])
            for row in 0..<rows { (dx.base + row * width).update(from: dy.base + row * total + offset, count: width) }
            gradients.append(dx)
            offset += width
        }
        return gradients
    }
}
