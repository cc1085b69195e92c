import Foundation

/// Why a checkpoint could not be written, read or used: every case names the file and says what differs or what
/// to do about it.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no file at the path given.
    case missing(path: String)
    /// The file cannot be read as a checkpoint at all: truncated, damaged or not NetCDF (`detail` is the reader's
    /// own message).
    case unreadable(path: String, detail: String)
    /// The file is NetCDF but lacks what a dist-train checkpoint holds.
    case notACheckpoint(path: String, reason: String)
    /// The file was written in a format version this program does not read (`supported` is the newest it reads).
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The checkpoint's network differs from the one this run builds (`checkpoint` and `run` describe both sides).
    case modelMismatch(path: String, checkpoint: String, run: String)
    /// The checkpoint predicts another list of classes.
    case classListMismatch(path: String, detail: String)
    /// A training setting that fixes the data order or the optimizer state differs (seed, global batch, ...).
    case settingMismatch(path: String, setting: String, checkpoint: String, run: String, advice: String)
    /// The parameters read back do not hash to the digest stored when the file was written: the data is damaged.
    case digestMismatch(path: String, stored: String, computed: String)
    /// The file is intact but a tensor holds NaN, infinity or (a running variance) a negative
    /// value: the run that wrote it had diverged.
    case unusableValues(path: String, tensor: String, detail: String)
    /// The optimizer object is of a kind checkpoints cannot describe.
    case unsupportedOptimizer(typeName: String)
    /// `--resume auto` found checkpoints in `directory` but none of them could be used.
    case noUsableCheckpoint(directory: String, reasons: [String])
    /// A file-system step of managing the checkpoint directory (listing, linking, deleting) failed.
    case fileSystem(path: String, operation: String, detail: String)

    public var description: String {
        switch self {
        case let .missing(path):
            return "checkpoint \(path) does not exist. Check the path given to --resume, or pass --resume auto to use the "
                + "newest checkpoint of --checkpoint-dir."
        case let .unreadable(path, detail):
            return "checkpoint \(path) cannot be read; it is truncated or corrupt (\(detail)). Delete it, or resume from "
                + "another checkpoint with --resume PATH."
        case let .notACheckpoint(path, reason):
            return "\(path) is not a dist-train checkpoint: \(reason). Pass a file written by dist-train train."
        case let .unsupportedVersion(path, found, supported):
            return "checkpoint \(path) has format version \(found); this dist-train reads versions 1 to \(supported). Use the "
                + "dist-train version that wrote it, or start a new run with --resume none."
        case let .modelMismatch(path, checkpoint, run):
            return "checkpoint \(path) has \(checkpoint), this run asks for \(run). Pass the checkpoint's --model, "
                + "--widths and --dropout (or its configuration with --model-configuration, as inspect prints it), or start a new run with --resume none (or another --checkpoint-dir)."
        case let .classListMismatch(path, detail):
            return "checkpoint \(path) predicts another class list: \(detail). Train with the checkpoint's classes, or "
                + "start a new run with --resume none."
        case let .settingMismatch(path, setting, checkpoint, run, advice):
            return "checkpoint \(path) was trained with \(setting) \(checkpoint), this run asks for \(run). \(advice)"
        case let .digestMismatch(path, stored, computed):
            return "checkpoint \(path) is corrupt: its parameters hash to \(computed), but \(stored) was stored when it "
                + "was written. Delete it, or resume from another checkpoint with --resume PATH."
        case let .unusableValues(path, tensor, detail):
            return "checkpoint \(path) holds unusable values in '\(tensor)': \(detail); the run that wrote it had "
                + "diverged. Use an earlier checkpoint of that run (or retrain with a smaller --lr)."
        case let .unsupportedOptimizer(typeName):
            return "checkpoints can hold Adam, AdamW and SGD state, not \(typeName)."
        case let .noUsableCheckpoint(directory, reasons):
            return "no usable checkpoint in \(directory):\n  " + reasons.joined(separator: "\n  ")
                + "\nDelete the damaged files or start a new run with --resume none."
        case let .fileSystem(path, operation, detail):
            return "\(path): \(operation) failed: \(detail). Check that the checkpoint directory exists, is writable "
                + "and its file system is not full."
        }
    }
}

extension CheckpointError {
    /// What is wrong, for a command that only reads this one file (`inspect`): without advice about resuming.
    public var readingDescription: String {
        switch self {
        case let .missing(path):
            return "checkpoint \(path) does not exist. Pass a checkpoint written by dist-train train "
                + "(<checkpoint-dir>/step-<step>.nc or best.nc)."
        case let .unreadable(path, detail):
            return "checkpoint \(path) cannot be read; it is truncated or corrupt (\(detail))."
        case let .unsupportedVersion(path, found, supported):
            return "checkpoint \(path) has format version \(found); this dist-train reads versions 1 to \(supported). "
                + "Inspect it with the dist-train version that wrote it."
        case let .digestMismatch(path, stored, computed):
            return "checkpoint \(path) is corrupt: its parameters hash to \(computed), but \(stored) was stored when it "
                + "was written."
        case let .unusableValues(path, tensor, detail):
            return "checkpoint \(path) holds unusable values in '\(tensor)': \(detail); the run that wrote it had diverged."
        default:
            return description
        }
    }

    /// Whether the error is about the file's integrity (so an older checkpoint may be used instead) rather than
    /// about a checkpoint that is intact but belongs to another run.
    public var meansDamagedFile: Bool {
        switch self {
        case .unreadable, .notACheckpoint, .digestMismatch, .unusableValues: return true
        default: return false
        }
    }
}

/// Why a checkpoint's network cannot be applied to a dataset: the two disagree on what the network's inputs or
/// outputs mean. Every case names both files, says what differs and what to do.
public enum CheckpointDatasetMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dataset's label columns are not the classes the checkpoint predicts.
    case classCodes(checkpoint: String, dataset: String, detail: String)
    /// The dataset is sampled at another rate than the network was trained on.
    case samplingFrequency(checkpoint: String, checkpointHz: Double, dataset: String, datasetHz: Double)
    /// The dataset lacks leads the network reads.
    case missingLeads(checkpoint: String, checkpointLeads: [String], dataset: String, datasetLeads: [String])

    public var description: String {
        switch self {
        case let .classCodes(checkpoint, dataset, detail):
            return "checkpoint \(checkpoint) and dataset \(dataset) have different class lists: \(detail). Use a "
                + "dataset prepared with the checkpoint's classes."
        case let .samplingFrequency(checkpoint, checkpointHz, dataset, datasetHz):
            return "checkpoint \(checkpoint) was trained on signals at \(checkpointHz) Hz, but dataset \(dataset) is "
                + "sampled at \(datasetHz) Hz. Prepare the records again at \(checkpointHz) Hz (dist-train prepare "
                + "--rate \(checkpointHz)), or pass the record directory itself as --data."
        case let .missingLeads(checkpoint, checkpointLeads, dataset, datasetLeads):
            let missing = checkpointLeads.filter { !datasetLeads.contains($0) }
            return "checkpoint \(checkpoint) reads leads \(checkpointLeads.joined(separator: ", ")), but dataset \(dataset) has "
                + "\(datasetLeads.joined(separator: ", ")) (no \(missing.joined(separator: ", "))). Use records with the leads "
                + "the network was trained on."
        }
    }
}
