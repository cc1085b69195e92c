import DistTensor

/// Which update rule the loop uses.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    case adam, adamw, sgd

    /// An optimizer of this kind over `parameterCount` parameters.
    public func make(parameterCount: Int, settings: OptimizerSettings, momentum: Float = 0.9) -> Optimizer {
        switch self {
        case .adam: Adam(parameterCount: parameterCount, settings: settings)
        case .adamw: Adam(parameterCount: parameterCount, settings: settings, decoupledWeightDecay: true)
        case .sgd: SGD(parameterCount: parameterCount, settings: settings, momentum: momentum)
        }
    }
}

/// One process's training steps: forward, BCE-with-logits, backward, optimizer step.
public final class TrainingLoop {
    public let model: ResNet1D
    public let optimizer: Optimizer
    public let source: BatchSource
    public let batchSize: Int
    public let seed: UInt64
    public var positiveWeight: [Float]?

    public init(model: ResNet1D, optimizer: Optimizer, source: BatchSource, batchSize: Int, seed: UInt64) {
        precondition(source.leads == model.configuration.leads && source.classes == model.configuration.classes,
                     "batch source and model disagree on leads or classes")
        self.model = model
        self.optimizer = optimizer
        self.source = source
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Runs step number `optimizer.stepCount` on the batch of the same number and returns its loss.
    @discardableResult
    public func step() -> Double {
        let index = optimizer.stepCount
        let (signals, targets) = source.batch(index, size: batchSize)
        let logits = model.forward(signals, training: true, dropoutKey: RandomStream(seed: seed, 0xD0, UInt64(index)).state)
        let (loss, gradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: positiveWeight)
        model.parameters.zeroGradients()
        model.backward(gradient)
        optimizer.step(model.parameters)
        return loss
    }
}
