import ECGNets

/// Why evaluate or predict cannot start: the checkpoint or the records chosen are unusable. Every case names the
/// file and says what to do.
enum InferenceInputError: Error, CustomStringConvertible {
    /// `--checkpoint` is missing, unreadable or not a dist-train checkpoint.
    case unusableCheckpoint(path: String, reason: CheckpointError)
    /// The split chosen has no records in the dataset.
    case emptySplit(dataset: String, split: SplitSelection, recordsPerSplit: String)
    /// Several records share an id, so their output files would overwrite each other.
    case duplicateRecordIDs(dataset: String, examples: [String])
    /// The records were filtered differently from the training data (another band-pass).
    case preparationMismatch(checkpoint: String, dataset: String, trained: String, given: String)

    /// A record lacks a lead the network reads.
    case missingLead(message: String, count: Int)
    /// Records could not be read at all (and skipping them was not asked for).
    case unreadableRecords([ECGRecordSkip])

    var description: String {
        switch self {
        case let .unusableCheckpoint(path, reason):
            switch reason {
            case .missing:
                return "--checkpoint \(path): no such file. Pass a checkpoint written by dist-train train "
                    + "(<checkpoint-dir>/step-<step>.nc or best.nc)."
            case let .unreadable(_, detail):
                return "--checkpoint \(path) cannot be read as a checkpoint: it is not a NetCDF file, or a truncated "
                    + "or damaged one (\(detail)). Pass a checkpoint written by dist-train train "
                    + "(<checkpoint-dir>/step-<step>.nc or best.nc)."
            default:
                return "--checkpoint \(path): \(reason)"
            }
        case let .emptySplit(dataset, split, recordsPerSplit):
            return "dataset \(dataset) has no records in split '\(split.rawValue)' (it has \(recordsPerSplit)). "
                + "Choose another --split (all scores every record)."
        case let .preparationMismatch(checkpoint, dataset, trained, given):
            return "checkpoint \(checkpoint) was trained on records prepared with band-pass \(trained), but \(dataset) was "
                + "prepared with band-pass \(given), so the network would see differently filtered signals. Prepare the "
                + "records as the training data was (dist-train prepare --band-pass ...) and pass the .nc file."
        case let .missingLead(message, count):
            return message + (count > 1 ? " (\(count) records lack a lead the network reads.)" : "")
                + " Give records that have the network's leads."
        case let .unreadableRecords(skips):
            return "\(skips.count) record(s) cannot be read, so they would get no result: "
                + skips.prefix(5).map { "\($0.file) (\($0.reason): \($0.message))" }.joined(separator: "; ")
                + (skips.count > 5 ? "; ..." : "") + ". Repair or remove them, or pass --skip-unreadable to go on without them."
        case let .duplicateRecordIDs(dataset, examples):
            return "dataset \(dataset) holds several records with the same id (\(examples.joined(separator: ", "))), "
                + "so their output files would overwrite each other. Predict each source folder separately."
        }
    }
}
