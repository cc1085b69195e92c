import Foundation

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
