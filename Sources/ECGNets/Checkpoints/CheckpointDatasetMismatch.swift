import Foundation

/// Why a checkpoint's network cannot be applied to a dataset: the two disagree on what the network's inputs or
/// outputs mean. Every case names both files, says what differs and what to do.
public enum CheckpointDatasetMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dataset's label columns are not the classes the checkpoint predicts.
    case classCodes(checkpoint: String, dataset: String, detail: String)
    /// The dataset is sampled at another rate than the network was trained on.
    case samplingFrequency(checkpoint: String, checkpointHz: Double, dataset: String, datasetHz: Double)
    /// The dataset has another number of leads than the network's input channels.
    case leadCount(checkpoint: String, checkpointLeads: Int, dataset: String, datasetLeads: Int)

    public var description: String {
        switch self {
        case let .classCodes(checkpoint, dataset, detail):
            return "checkpoint \(checkpoint) and dataset \(dataset) have different class lists: \(detail). Use a "
                + "dataset prepared with the checkpoint's classes."
        case let .samplingFrequency(checkpoint, checkpointHz, dataset, datasetHz):
            return "checkpoint \(checkpoint) was trained on signals at \(checkpointHz) Hz, but dataset \(dataset) is "
                + "sampled at \(datasetHz) Hz. Prepare the records again at \(checkpointHz) Hz (dist-train prepare "
                + "--rate \(checkpointHz)), or pass the record directory itself as --data."
        case let .leadCount(checkpoint, checkpointLeads, dataset, datasetLeads):
            return "checkpoint \(checkpoint) expects \(checkpointLeads) leads, but dataset \(dataset) has "
                + "\(datasetLeads). Use a dataset with the leads the network was trained on."
        }
    }
}
