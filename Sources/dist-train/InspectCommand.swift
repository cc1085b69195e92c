import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train inspect CKPT`: what a checkpoint holds (model, position in training, job, optimizer, metrics) and a
/// digest of its parameters that is verified against the one stored at writing, so runs can be compared by digest.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint and verify its parameter digest.",
        discussion: """
            The digest is a 64-bit FNV-1a hash of every parameter and buffer as raw little-endian float32 bytes, in \
            state_dict order (the order of the checkpoint's variables); train prints the same digest at its end. \
            A file whose parameters no longer hash to the digest stored when it was written is reported as corrupt.
            """)

    @Argument(help: "A checkpoint file (step-<step>.nc or best.nc).")
    var checkpoint: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let reader: CheckpointReader
        let model: any ECGModel
        do throws(any Error) {
            reader = try CheckpointReader(url: URL(fileURLWithPath: checkpoint))
            model = try reader.makeModel()
        } catch {
            throw InspectFailure(description: (error as? CheckpointError)?.readingDescription ?? "\(error)")
        }
        let metadata = reader.metadata
        let optimizer = reader.optimizerState
        let store = model.parameters
        let digest = ParameterDigest(of: store)
        if json {
            var object: [String: Any] = [
                "path": reader.url.path, "formatVersion": reader.formatVersion, "model": metadata.modelName,
                "architecture": metadata.configuration.architecture,
                "modelConfiguration": Self.jsonValue(try metadata.configuration.json()),
                "leads": metadata.configuration.leads, "classes": metadata.classCodes.count,
                "classCodes": metadata.classCodes,
                "globalStep": metadata.globalStep, "epoch": metadata.epoch, "stepInEpoch": metadata.stepInEpoch,
                "stepsPerEpoch": metadata.stepsPerEpoch, "windowLength": metadata.windowLength,
                "samplingFrequency": metadata.samplingFrequency, "normalization": metadata.normalization.rawValue,
                "datasetPreparation": metadata.datasetPreparation, "worldSize": metadata.worldSize, "seed": metadata.seed,
                "globalBatchSize": metadata.globalBatchSize, "optimizer": optimizer.kind.rawValue,
                "optimizerStepCount": optimizer.stepCount, "learningRate": Self.decimal(optimizer.learningRate),
                "weightDecay": Self.decimal(optimizer.weightDecay), "parameters": store.parameterCount,
                "buffers": store.layout.bufferCount, "tensors": store.layout.entries.count, "digest": digest.description,
                "thresholds": metadata.thresholds, "softwareVersion": metadata.softwareVersion,
                "created": ISO8601DateFormatter().string(from: metadata.created),
                "metricHistory": Self.jsonValue(metadata.metricHistoryJSON),
                "trainingState": Self.jsonValue(metadata.trainingStateJSON),
                "runConfiguration": Self.jsonValue(metadata.runConfigurationJSON),
            ]
            if let metric = metadata.validationMetric { object["validationChallengeMetric"] = metric }
            object["task"] = Self.jsonValue(String(decoding: try JSONEncoder().encode(metadata.task), as: UTF8.self))
            object["labelKind"] = metadata.task.labelKind.rawValue
            object["leadNames"] = metadata.task.leads
            if let weights = metadata.classWeights { object["classWeights"] = weights }
            object["selectionMetric"] = metadata.selectionMetric ?? ValidationMetric.tunedChallenge.rawValue
            if let mix = metadata.syntheticMix {
                object["syntheticMix"] = ["fraction": mix.fraction, "classCodes": mix.classCodes, "classWeight": mix.classWeight,
                                          "simulatorRevision": mix.simulatorRevision]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let thresholds = Set(metadata.thresholds).count == 1
            ? "all \(metadata.thresholds[0])" : metadata.thresholds.map { String(format: "%.3g", $0) }.joined(separator: " ")
        let lines = [
            "checkpoint     \(reader.url.path)",
            "written        \(ISO8601DateFormatter().string(from: metadata.created)) by dist-train \(metadata.softwareVersion) "
                + "(format version \(reader.formatVersion)" + (reader.formatVersion < CheckpointMetadata.formatVersion
                    ? ", read as version \(CheckpointMetadata.formatVersion))" : ")"),
            "model          \(metadata.configuration.architecture): \(metadata.configuration.summary)",
            "configuration  \(try metadata.configuration.json())",
            "classes        \(metadata.classCodes.count)",
            "task           \(metadata.task.summary); class weights "
                + (metadata.classWeights.map { $0.map { String(format: "%.4g", $0) }.joined(separator: " ") } ?? "none")
                + "; best.nc chosen by " + (metadata.selectionMetric ?? ValidationMetric.tunedChallenge.rawValue),
            "input          windows of \(metadata.windowLength) samples at \(metadata.samplingFrequency) Hz, \(metadata.normalization.rawValue) normalization; "
                + "training data prepared with \(metadata.datasetPreparation)",
            "parameters     \(store.parameterCount) trained + \(store.layout.bufferCount) buffer values in "
                + "\(store.layout.entries.count) tensors",
            "position       step \(metadata.globalStep): epoch \(metadata.epoch + 1), "
                + "\(metadata.stepInEpoch) of \(metadata.stepsPerEpoch) steps done in it",
            "job            world size \(metadata.worldSize), seed \(metadata.seed), global batch \(metadata.globalBatchSize)"
                + (metadata.syntheticMix.map { "; synthetic fraction \($0.fraction) favouring \($0.classCodes.joined(separator: ",")) "
                    + "(odds x\($0.classWeight), simulator revision \($0.simulatorRevision))" } ?? ""),
            "optimizer      \(optimizer.kind.rawValue), step \(optimizer.stepCount), lr \(optimizer.learningRate), "
                + "weight decay \(optimizer.weightDecay)",
            "validation     " + (metadata.validationMetric.map {
                "\(ValidationMetric(rawValue: metadata.selectionMetric ?? "") ?? .tunedChallenge) \(String(format: "%.4f", $0))"
            } ?? "none at this step"),
            "thresholds     \(thresholds)",
            "digest         \(digest) (matches the digest stored at writing)",
            "metric history " + Self.pretty(metadata.metricHistoryJSON),
            "training state " + Self.pretty(metadata.trainingStateJSON),
            "run            " + metadata.runConfigurationJSON,
        ]
        print(lines.joined(separator: "\n"))
    }

    /// A float as the shortest decimal that reads back as it (0.2, not 0.20000000298023224).
    private static func decimal(_ value: Float) -> Double {
        Double(value.description) ?? Double(value)
    }

    /// Parsed JSON for embedding in the `--json` object; the text itself if it is not JSON.
    private static func jsonValue(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    }

    /// Indented JSON, continuation lines aligned under the value column (short JSON stays on its line).
    private static func pretty(_ text: String) -> String {
        guard text.count > 60,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return text }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: "\n               ")
    }
}

/// Why `inspect` cannot show a checkpoint, worded for a command that only reads it.
struct InspectFailure: Error, CustomStringConvertible {
    let description: String
}
