import DistTensor

/// ResNet1D's inference graph in ONNX operators, from its own layers: stem Conv → BatchNormalization → Relu →
/// MaxPool, each BasicBlock as Conv → BatchNormalization → Relu → Conv → BatchNormalization plus its shortcut
/// (identity, or Conv 1×1 → BatchNormalization), Add → Relu, then GlobalAveragePool → Flatten → Gemm. Dropout is
/// absent (inference), BatchNorm uses the running statistics. Squeeze-and-excitation blocks are not described yet,
/// so an SE-ResNet is refused rather than exported without its gates.
extension ResNet1D: ONNXGraphDescribing {
    public func describeInference(in graph: inout ONNXGraph, input: String) -> String? {
        guard blocks.allSatisfy({ $0.excitation == nil }) else { return nil }
        var h = graph.maxPool(graph.relu(graph.batchNormalization(graph.convolution(input, stemConv), stemNorm)), stemPool)
        for block in blocks {
            let inner = graph.relu(graph.batchNormalization(graph.convolution(h, block.conv1), block.norm1))
            let residual = graph.batchNormalization(graph.convolution(inner, block.conv2), block.norm2)
            let shortcut = block.downsample.map { graph.batchNormalization(graph.convolution(h, $0.conv), $0.norm) } ?? h
            h = graph.relu(graph.add(residual, shortcut))
        }
        return graph.linear(graph.globalAveragePool(h), classifier, output: "logits")
    }
}
