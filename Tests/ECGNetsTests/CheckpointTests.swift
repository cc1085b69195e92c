import DistTensor
import ECGNets
import Foundation
import Testing

/// The checkpoint file and directory in-process: every number and counter survives a write and a read, damage is
/// detected, incompatible runs are told what differs, and the directory keeps the newest files and the best.
@Suite struct CheckpointTests {
    static let tiny = ResNet1DConfiguration(depth: .resnet34, widths: [8, 16, 16, 32], dropout: 0)
    static let codes = ChallengeClasses.challenge2020.codes

    static func metadata(_ configuration: ResNet1DConfiguration = tiny, step: Int = 7, metric: Double? = nil) -> CheckpointMetadata {
        CheckpointMetadata(configuration: .resnet1D(configuration), classCodes: codes, epoch: 1, globalStep: step, stepInEpoch: 3,
                           worldSize: 4, seed: 0xFFFF_FFFF_FFFF_FFF0, globalBatchSize: 16, stepsPerEpoch: 4,
                           thresholds: (0..<27).map { 0.3 + Double($0) / 300 }, windowLength: 2500, samplingFrequency: 250, normalization: .perLead,
                           datasetPreparation: "format=1;rate=250.0;bandpass=4:0.5:40.0",
                           validationMetric: metric,
                           softwareVersion: "test", runConfigurationJSON: #"{"arguments":["train"]}"#,
                           metricHistoryJSON: #"[{"epoch":1,"challenge":0.25}]"#, trainingStateJSON: #"{"patience":2}"#)
    }

    /// A model whose every value differs from a fresh one, and an optimizer with non-trivial state.
    static func trained(_ kind: OptimizerKind, configuration: ResNet1DConfiguration = tiny) -> (ResNet1D, Optimizer) {
        let model = ResNet1D(configuration, seed: 11)
        var random = RandomStream(seed: 5)
        for i in 0..<model.parameters.buffers.count { model.parameters.buffers[i] = random.nextUniform() }
        let optimizer = kind.make(parameterCount: model.parameters.parameterCount,
                                  settings: OptimizerSettings(learningRate: 0.01, weightDecay: 0.001))
        for block in optimizer.stateBlocks {
            for i in 0..<block.values.count { block.values[i] = random.nextUniform() - 0.5 }
        }
        optimizer.stepCount = 7
        return (model, optimizer)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(arguments: [OptimizerKind.adam, .adamw, .sgd])
    func everyNumberAndCounterSurvives(kind: OptimizerKind) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("c.nc")
        let (model, optimizer) = Self.trained(kind)
        let written = Self.metadata()
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: written)

        let reader = try CheckpointReader(url: url)
        var read = reader.metadata
        #expect(abs(read.created.timeIntervalSince(written.created)) < 0.002)
        read.created = written.created
        #expect(read == written)
        #expect(reader.optimizerState == (try OptimizerCheckpointState(describing: optimizer)))
        #expect(reader.storedDigest == ParameterDigest(of: model.parameters))

        let (copy, copyOptimizer) = (ResNet1D(Self.tiny, seed: 99),
                                     kind.make(parameterCount: model.parameters.parameterCount,
                                               settings: OptimizerSettings(learningRate: 0.01, weightDecay: 0.001)))
        try reader.restore(into: copy, optimizer: copyOptimizer)
        #expect(Array(copy.parameters.values) == Array(model.parameters.values))
        #expect(Array(copy.parameters.buffers) == Array(model.parameters.buffers))
        #expect(copyOptimizer.stepCount == 7)
        for (restored, original) in zip(copyOptimizer.stateBlocks, optimizer.stateBlocks) {
            #expect(restored.name == original.name && Array(restored.values) == Array(original.values))
        }
    }

    @Test func changedParameterIsReportedAsCorrupt() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("c.nc")
        let (model, optimizer) = Self.trained(.adam)
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: Self.metadata())
        let file = try NetCDFFile.open(at: url, mode: .write)
        try file.root.variable(named: "fc.bias").write([Float](repeating: 1, count: 27))
        try file.close()
        #expect {
            try CheckpointReader(url: url).restore(into: ResNet1D(Self.tiny, seed: 0), optimizer: nil)
        } throws: { error in
            guard let error = error as? CheckpointError, case .digestMismatch = error else { return false }
            return error.description.contains(url.path) && error.description.contains("is corrupt")
        }
    }

    /// Issue 14 item 2: a checkpoint whose digest matches but whose weights, buffers or optimizer moments are
    /// NaN or infinite, or whose running variance is negative, is refused by every reader, naming the tensor.
    @Test(arguments: ["weight NaN", "buffer inf", "running_var negative", "adam m NaN"])
    func unusableValuesAreRefusedByName(damage: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("c.nc")
        let (model, optimizer) = Self.trained(.adam)
        let store = model.parameters
        let entries = store.layout.entries
        let name: String
        switch damage {
        case "weight NaN":
            let entry = try #require(entries.first { $0.kind == .parameter && $0.name.hasSuffix("weight") })
            store.storage(of: entry)[entry.count - 1] = .nan
            name = entry.name
        case "buffer inf":
            let entry = try #require(entries.first { $0.name.hasSuffix("running_mean") })
            store.storage(of: entry)[0] = -.infinity
            name = entry.name
        case "running_var negative":
            let entry = try #require(entries.last { $0.name.hasSuffix("running_var") })
            store.storage(of: entry)[1] = -0.5
            name = entry.name
        default:
            let entry = try #require(entries.last { $0.kind == .parameter })
            let m = try #require(optimizer.stateBlocks.first { $0.name == "m" })
            m.values[entry.offset] = .nan
            name = "optimizer/m/\(entry.name)"
        }
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: Self.metadata())
        let reader = try CheckpointReader(url: url)
        let restoring: () throws -> Void = damage == "adam m NaN"
            ? { try reader.restore(into: ResNet1D(Self.tiny, seed: 0), optimizer: OptimizerKind.adam.make(
                    parameterCount: store.parameterCount, settings: OptimizerSettings(learningRate: 0.01, weightDecay: 0))) }
            : { _ = try reader.makeModel() }
        #expect {
            try restoring()
        } throws: { error in
            guard let error = error as? CheckpointError, case let .unusableValues(path, tensor, _) = error else { return false }
            return path == url.path && tensor == name && error.meansDamagedFile
                && error.description.contains("unusable values in '\(name)'")
        }
    }

    /// Issue 14 item 3: sizes read from a checkpoint are bounded before anything is allocated from them: a
    /// `window_length` of 10^12 and a configuration of 100000-channel stages are refused by name.
    @Test func insaneSizesAreRefusedOnOpening() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (model, optimizer) = Self.trained(.adam)
        var long = Self.metadata()
        long.windowLength = 1_000_000_000_000
        let url = directory.appendingPathComponent("long.nc")
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: long)
        #expect {
            _ = try CheckpointReader(url: url)
        } throws: { error in
            "\(error)".contains("its 'window_length' attribute 1000000000000 is not between 1 and 3600000 samples")
        }
        let wide = directory.appendingPathComponent("wide.nc")
        try CheckpointWriter.write(to: wide, model: model, optimizer: optimizer, metadata: Self.metadata())
        let file = try NetCDFFile.open(at: wide, mode: .write)
        let huge = ModelConfiguration.resnet1D(ResNet1DConfiguration(depth: .resnet34, widths: [100_000, 100_000, 100_000, 100_000]))
        try file.root.attributes.set("model_configuration", to: .text(try huge.json()))
        try file.close()
        #expect {
            _ = try CheckpointReader(url: wide)
        } throws: { error in
            "\(error)".contains("its 'model_configuration' attribute resnet34 widths [100000, 100000, 100000, 100000]")
                && "\(error)".contains("is not a network that fits this machine's memory")
        }
    }

    @Test func foreignModelAndClassesAreDescribed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("c.nc")
        let resnet18 = ResNet1DConfiguration(depth: .resnet18, widths: [8, 16, 32, 64], dropout: 0)
        let (model, optimizer) = Self.trained(.adam, configuration: resnet18)
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: Self.metadata(resnet18))
        let reader = try CheckpointReader(url: url)
        let run = CheckpointExpectation(configuration: .resnet1D(Self.tiny), classCodes: Self.codes, optimizerKind: .adam,
                                        seed: 0xFFFF_FFFF_FFFF_FFF0, globalBatchSize: 16, stepsPerEpoch: 4)
        #expect(throws: CheckpointError.modelMismatch(path: url.path, checkpoint: "resnet18 widths [8, 16, 32, 64]",
                                                      run: "resnet34 widths [8, 16, 16, 32]")) {
            try reader.requireCompatible(with: run)
        }
        var otherClasses = run
        otherClasses.configuration = .resnet1D(resnet18)
        otherClasses.classCodes = Array(Self.codes.dropLast()) + ["999999999"]
        #expect {
            try reader.requireCompatible(with: otherClasses)
        } throws: { error in
            "\(error)".contains("the checkpoint lacks 999999999; this run lacks 17338001")
        }
        var sameRun = run
        sameRun.configuration = .resnet1D(resnet18)
        try reader.requireCompatible(with: sameRun)
    }

    @Test func directoryKeepsNewestAndBestAndCleansLeftovers() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = CheckpointDirectory(url: root.appendingPathComponent("run"), keepLast: 2)
        let (model, optimizer) = Self.trained(.sgd)
        for (step, metric) in [(1, 0.1), (2, 0.5), (3, 0.3), (4, nil), (5, 0.2)] as [(Int, Double?)] {
            try directory.save(step: step, validationMetric: metric) { url in
                try CheckpointWriter.write(to: url, model: model, optimizer: optimizer,
                                           metadata: Self.metadata(step: step, metric: metric))
            }
        }
        #expect(directory.stepFiles().map(\.step) == [4, 5])
        #expect(try CheckpointReader(url: directory.bestURL).metadata.globalStep == 2)

        let leftover = directory.url.appendingPathComponent(".step-000006.nc.tmp-42-abc")
        let unrelated = directory.url.appendingPathComponent("notes.txt")
        for file in [leftover, unrelated] { #expect(FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))) }
        #expect(directory.removeLeftoverTemporaryFiles() == [leftover])
        #expect(!FileManager.default.fileExists(atPath: leftover.path) && FileManager.default.fileExists(atPath: unrelated.path))

        // A damaged newest file is skipped with its reason; when every file is damaged, that is an error.
        try Data("not a checkpoint".utf8).write(to: directory.fileURL(step: 5))
        let (opened, skipped) = try #require(try directory.newestUsable { try CheckpointReader(url: $0) })
        #expect(opened.metadata.globalStep == 4)
        #expect(skipped.count == 1 && skipped[0].contains("step-000005.nc cannot be read"))
        try Data().write(to: directory.fileURL(step: 4))
        #expect {
            _ = try directory.newestUsable { try CheckpointReader(url: $0) }
        } throws: { error in
            guard let error = error as? CheckpointError, case let .noUsableCheckpoint(_, reasons) = error else { return false }
            return reasons.count == 2
        }
        let empty = CheckpointDirectory(url: root.appendingPathComponent("empty"), keepLast: 2)
        #expect(try empty.newestUsable { try CheckpointReader(url: $0) } == nil)
    }

    /// A checkpoint written by the code before the model seam (format version 1, a bare ResNet1D configuration;
    /// `Fixtures/checkpoint-format1`, made by `make_fixture.sh` there) still opens, rebuilds its network with the
    /// parameters it was written with, and is rewritten as version 2 with the same configuration and numbers.
    @Test func formatVersion1CheckpointStillLoads() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/checkpoint-format1/resnet18-w4-step2.nc")
        let reader = try CheckpointReader(url: fixture)
        #expect(reader.formatVersion == 1)
        let expected = ResNet1DConfiguration(depth: .resnet18, widths: [4, 4, 4, 4], leads: 12, classes: 27, dropout: 0.2)
        #expect(reader.metadata.configuration == .resnet1D(expected))
        #expect(reader.metadata.modelName == "resnet18" && reader.metadata.globalStep == 2 && reader.metadata.windowLength == 400)
        #expect(reader.storedDigest.description == "fnv1a64:ac54dda41ca9ba74", "the digest the writing run printed")
        let model = try reader.makeModel()
        #expect(ParameterDigest(of: model.parameters).description == "fnv1a64:ac54dda41ca9ba74")
        #expect(model.parameters.parameterCount == 2855 && model.input.leads == 12 && model.classes == 27)

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rewritten = directory.appendingPathComponent("v2.nc")
        let optimizer = reader.optimizerState.kind.make(parameterCount: model.parameters.parameterCount,
                                                        settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 0))
        try reader.restore(into: model, optimizer: optimizer)
        try CheckpointWriter.write(to: rewritten, model: model, optimizer: optimizer, metadata: reader.metadata)
        let again = try CheckpointReader(url: rewritten)
        #expect(again.formatVersion == CheckpointMetadata.formatVersion && CheckpointMetadata.formatVersion == 2)
        #expect(again.metadata.configuration == reader.metadata.configuration)
        #expect(again.storedDigest == reader.storedDigest && again.metadata.thresholds == reader.metadata.thresholds)
    }

    /// The architecture is data: `{"architecture": "resnet1d", "configuration": {...}}` round-trips, stage counts
    /// other than four included, and an architecture this code does not know is refused by name.
    @Test func modelConfigurationIsCodableData() throws {
        let threeStages = ModelConfiguration.resnet1D(
            ResNet1DConfiguration(depth: .init(blocksPerStage: [2, 2, 2]), widths: [32, 64, 128], leads: 1, classes: 4))
        let json = try threeStages.json()
        #expect(json.hasPrefix(#"{"architecture":"resnet1d","configuration":{"#), "\(json)")
        #expect(try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8)) == threeStages)
        let model = threeStages.makeModel(seed: 1)
        #expect(model.architecture == threeStages && model.input == ModelInput(leads: 1) && model.classes == 4)
        #expect(threeStages.sized(leads: 12, classes: 27).describe(differingFrom: threeStages)
                == "resnet14 widths [32, 64, 128], leads 12, classes 27")
        #expect {
            _ = try JSONDecoder().decode(ModelConfiguration.self, from: Data(#"{"architecture":"gru","configuration":{}}"#.utf8))
        } throws: { error in
            "\(error)".contains("unknown architecture 'gru'")
        }
    }
}
