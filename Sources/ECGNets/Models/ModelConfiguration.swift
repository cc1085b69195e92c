import DistTensor
import Foundation

/// Every architecture dist-train can build, described as data: one case per architecture, each holding its own
/// Codable configuration. Checkpoints store it (`model_configuration`, JSON), resume compares it, `inspect` prints
/// it, and `makeModel` is the one place that turns it into a network.
///
/// A new architecture adds a case here, its configuration type and one model file implementing `ECGModel`.
public enum ModelConfiguration: Sendable, Equatable {
    /// The 1-D ResNet of DESIGN.md §8 (ResNet18, ResNet34, or any other blocks per stage and stage count).
    case resnet1D(ResNet1DConfiguration)
    /// The small 1-D CNN of the single-lead studies, one branch (`cnn1d`) or two (`cnn1d-twin`).
    case cnn1D(CNN1DConfiguration)
    /// `gru-mha` and `lstm-mha`: recurrent layers, multi-head self-attention over time, mean, linear (`RecurrentAttention.swift`).
    case gruMHA(RecurrentAttentionConfiguration)
    case lstmMHA(RecurrentAttentionConfiguration)
    /// `cnn-mhsa`: convolution blocks, self-attention over time, dense layers (`CNNSelfAttention.swift`).
    case cnnMHSA(CNNSelfAttentionConfiguration)
    /// `stft-cnn-gru` and `stft-cnn-lstm`: spectrogram, 2-D CNN, GRU / LSTM over frames, linear (`SpectrogramRecurrent.swift`).
    case stftCNNGRU(SpectrogramRecurrentConfiguration)
    case stftCNNLSTM(SpectrogramRecurrentConfiguration)

    /// The ResNet34-1D of DESIGN.md §8.
    public static let resnet34 = ModelConfiguration.resnet1D(.resnet34)

    /// The architectures `--model` names, each documented where its configuration is defined.
    public static let named: [String: ModelConfiguration] = [
        "resnet18": .resnet1D(.resnet18), "resnet34": .resnet34, "resnet": .resnet1D(.small),
        "se-resnet34": .resnet1D(.seResNet34), "cnn1d": .cnn1D(.cnn1d), "cnn1d-twin": .cnn1D(.twin),
        "gru-mha": .gruMHA(.init()), "lstm-mha": .lstmMHA(.init()), "cnn-mhsa": .cnnMHSA(.init()),
        "stft-cnn-gru": .stftCNNGRU(.gru), "stft-cnn-lstm": .stftCNNLSTM(.lstm),
    ]

    /// The network this configuration describes, initialised from `seed`.
    public func makeModel(seed: UInt64) -> any ECGModel {
        switch self {
        case let .resnet1D(configuration): ResNet1D(configuration, seed: seed)
        case let .cnn1D(configuration): CNN1D(configuration, seed: seed)
        case let .gruMHA(configuration): RecurrentAttentionNet(configuration, cell: .gru, seed: seed)
        case let .lstmMHA(configuration): RecurrentAttentionNet(configuration, cell: .lstm, seed: seed)
        case let .cnnMHSA(configuration): CNNSelfAttentionNet(configuration, seed: seed)
        case let .stftCNNGRU(configuration): SpectrogramRecurrentNet(configuration, cell: .gru, seed: seed)
        case let .stftCNNLSTM(configuration): SpectrogramRecurrentNet(configuration, cell: .lstm, seed: seed)
        }
    }

    /// The architecture's key in JSON and in the `architecture` checkpoint attribute.
    public var architecture: String {
        switch self {
        case .resnet1D: "resnet1d"
        case .cnn1D: "cnn1d"
        case .gruMHA: "gru-mha"
        case .lstmMHA: "lstm-mha"
        case .cnnMHSA: "cnn-mhsa"
        case .stftCNNGRU: "stft-cnn-gru"
        case .stftCNNLSTM: "stft-cnn-lstm"
        }
    }

    /// A short name for messages and the `model` attribute, e.g. `resnet34`.
    public var name: String {
        switch self {
        case let .resnet1D(configuration): configuration.name
        case let .cnn1D(configuration): configuration.name
        case .gruMHA, .lstmMHA, .cnnMHSA, .stftCNNGRU, .stftCNNLSTM: architecture
        }
    }

    /// What the network takes.
    public var input: ModelInput {
        switch self {
        case let .resnet1D(configuration): ModelInput(leads: configuration.leads)
        case let .cnn1D(configuration): ModelInput(leads: configuration.leads)
        case let .gruMHA(configuration), let .lstmMHA(configuration): ModelInput(leads: configuration.leads)
        case let .cnnMHSA(configuration): ModelInput(leads: configuration.leads)
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration): ModelInput(leads: configuration.leads)
        }
    }

    /// The shortest window, in samples, the network can read: 64 for every architecture (the trainer's floor), more
    /// for the spectrogram networks, whose STFT reflect-pads by n_fft/2 and whose pools must leave one time frame
    /// (`1 + ⌊L / hop⌋` frames halved by each block).
    public var minimumWindowLength: Int {
        switch self {
        case .resnet1D, .cnn1D, .gruMHA, .lstmMHA, .cnnMHSA: 64
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration):
            max(64, configuration.nFFT / 2 + 1, configuration.hop * ((1 << configuration.widths.count) - 1))
        }
    }

    /// Input leads and output classes.
    public var leads: Int { input.leads }
    public var classes: Int {
        switch self {
        case let .resnet1D(configuration): configuration.classes
        case let .cnn1D(configuration): configuration.classes
        case let .gruMHA(configuration), let .lstmMHA(configuration): configuration.classes
        case let .cnnMHSA(configuration): configuration.classes
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration): configuration.classes
        }
    }

    /// The same architecture for another input lead count and number of classes (a task's, say).
    public func sized(leads: Int, classes: Int) -> ModelConfiguration {
        switch self {
        case var .resnet1D(configuration):
            configuration.leads = leads
            configuration.classes = classes
            return .resnet1D(configuration)
        case var .cnn1D(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .cnn1D(configuration)
        case var .gruMHA(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .gruMHA(configuration)
        case var .lstmMHA(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .lstmMHA(configuration)
        case var .cnnMHSA(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .cnnMHSA(configuration)
        case var .stftCNNGRU(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .stftCNNGRU(configuration)
        case var .stftCNNLSTM(configuration):
            (configuration.leads, configuration.classes) = (leads, classes)
            return .stftCNNLSTM(configuration)
        }
    }

    /// One line for people: name and every hyper-parameter.
    public var summary: String {
        switch self {
        case let .resnet1D(configuration): configuration.summary
        case let .cnn1D(configuration): configuration.summary
        case let .gruMHA(configuration), let .lstmMHA(configuration): configuration.summary(architecture)
        case let .cnnMHSA(configuration): configuration.summary
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration): configuration.summary(architecture)
        }
    }

    /// This configuration named, followed by what differs from `other`, for "checkpoint has X, run asks for Y".
    public func describe(differingFrom other: ModelConfiguration) -> String {
        switch (self, other) {
        case let (.resnet1D(mine), .resnet1D(theirs)): mine.describe(differingFrom: theirs)
        case let (.cnn1D(mine), .cnn1D(theirs)): mine.describe(differingFrom: theirs)
        case let (.gruMHA(mine), .gruMHA(theirs)), let (.lstmMHA(mine), .lstmMHA(theirs)):
            mine.describe(architecture, differingFrom: theirs)
        case let (.gruMHA(mine), _), let (.lstmMHA(mine), _): mine.summary(architecture)
        case let (.cnnMHSA(mine), .cnnMHSA(theirs)): mine.describe(differingFrom: theirs)
        case let (.stftCNNGRU(mine), .stftCNNGRU(theirs)), let (.stftCNNLSTM(mine), .stftCNNLSTM(theirs)):
            mine.describe(architecture, differingFrom: theirs)
        default: summary
        }
    }

    /// Checkpoint attributes beside `model_configuration` that let `ncdump -h` show the shape at a glance.
    public var checkpointAttributes: [(String, NetCDFAttribute)] {
        var attributes: [(String, NetCDFAttribute)] = [("architecture", .text(architecture)), ("leads", .integer(Int64(leads))),
                                                       ("classes", .integer(Int64(classes)))]
        switch self {
        case let .resnet1D(configuration):
            attributes += [("blocks_per_stage", .integers(configuration.depth.blocksPerStage.map(Int64.init))),
                           ("widths", .integers(configuration.widths.map(Int64.init))),
                           ("dropout", .double(Double(configuration.dropout)))]
            if let reduction = configuration.squeezeExcitation { attributes.append(("se_reduction", .integer(Int64(reduction)))) }
        case let .cnn1D(configuration):
            attributes += [("widths", .integers(configuration.widths.map(Int64.init))), ("kernel", .integer(Int64(configuration.kernel))),
                           ("branches", .integer(Int64(configuration.branches)))]
        case let .gruMHA(configuration), let .lstmMHA(configuration):
            attributes += [("hidden", .integer(Int64(configuration.hidden))), ("heads", .integer(Int64(configuration.heads)))]
        case let .cnnMHSA(configuration):
            attributes += [("widths", .integers(configuration.widths.map(Int64.init))), ("heads", .integer(Int64(configuration.heads)))]
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration):
            attributes += [("n_fft", .integer(Int64(configuration.nFFT))), ("hop", .integer(Int64(configuration.hop))),
                           ("widths", .integers(configuration.widths.map(Int64.init))), ("hidden", .integer(Int64(configuration.hidden)))]
        }
        return attributes
    }

    /// The configuration as sorted-key JSON (what checkpoints store).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `{"architecture": "resnet1d", "configuration": {...}}`: the architecture's key, then its own configuration.
extension ModelConfiguration: Codable {
    private enum CodingKeys: String, CodingKey {
        case architecture, configuration
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let architecture = try container.decode(String.self, forKey: .architecture)
        switch architecture {
        case "resnet1d":
            self = .resnet1D(try container.decode(ResNet1DConfiguration.self, forKey: .configuration))
        case "cnn1d":
            self = .cnn1D(try container.decode(CNN1DConfiguration.self, forKey: .configuration))
        case "gru-mha":
            self = .gruMHA(try container.decode(RecurrentAttentionConfiguration.self, forKey: .configuration))
        case "lstm-mha":
            self = .lstmMHA(try container.decode(RecurrentAttentionConfiguration.self, forKey: .configuration))
        case "cnn-mhsa":
            self = .cnnMHSA(try container.decode(CNNSelfAttentionConfiguration.self, forKey: .configuration))
        case "stft-cnn-gru":
            self = .stftCNNGRU(try container.decode(SpectrogramRecurrentConfiguration.self, forKey: .configuration))
        case "stft-cnn-lstm":
            self = .stftCNNLSTM(try container.decode(SpectrogramRecurrentConfiguration.self, forKey: .configuration))
        default:
            throw DecodingError.dataCorruptedError(forKey: .architecture, in: container,
                                                   debugDescription: "unknown architecture '\(architecture)' (this "
                                                       + "dist-train knows resnet1d, cnn1d, gru-mha, lstm-mha, cnn-mhsa, "
                                                       + "stft-cnn-gru, stft-cnn-lstm)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(architecture, forKey: .architecture)
        switch self {
        case let .resnet1D(configuration): try container.encode(configuration, forKey: .configuration)
        case let .cnn1D(configuration): try container.encode(configuration, forKey: .configuration)
        case let .gruMHA(configuration), let .lstmMHA(configuration): try container.encode(configuration, forKey: .configuration)
        case let .cnnMHSA(configuration): try container.encode(configuration, forKey: .configuration)
        case let .stftCNNGRU(configuration), let .stftCNNLSTM(configuration):
            try container.encode(configuration, forKey: .configuration)
        }
    }
}
