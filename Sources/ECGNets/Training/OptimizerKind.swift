import DistTensor

/// Which update rule training uses.
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
