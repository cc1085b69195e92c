import DistTensor

/// The scalar state and settings of an optimizer as a checkpoint stores them in its `optimizer` group; the
/// per-parameter blocks (`m`, `v`, `momentum`) are stored beside them as variables.
public struct OptimizerCheckpointState: Sendable, Equatable, Codable {
    public var kind: OptimizerKind
    public var stepCount: Int
    public var learningRate: Float
    public var weightDecay: Float
    /// Adam and AdamW only.
    public var beta1: Float?
    public var beta2: Float?
    public var epsilon: Float?
    /// SGD only.
    public var momentum: Float?

    /// Describes `optimizer`; throws for optimizer classes a checkpoint cannot hold.
    public init(describing optimizer: Optimizer) throws(CheckpointError) {
        stepCount = optimizer.stepCount
        switch optimizer {
        case let adam as Adam:
            kind = adam.decoupledWeightDecay ? .adamw : .adam
            learningRate = adam.settings.learningRate
            weightDecay = adam.settings.weightDecay
            beta1 = adam.beta1
            beta2 = adam.beta2
            epsilon = adam.epsilon
        case let sgd as SGD:
            kind = .sgd
            learningRate = sgd.settings.learningRate
            weightDecay = sgd.settings.weightDecay
            momentum = sgd.momentum
        default:
            throw .unsupportedOptimizer(typeName: String(describing: type(of: optimizer)))
        }
    }

    init(kind: OptimizerKind, stepCount: Int, learningRate: Float, weightDecay: Float, beta1: Float?, beta2: Float?,
         epsilon: Float?, momentum: Float?) {
        self.kind = kind
        self.stepCount = stepCount
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.momentum = momentum
    }
}
