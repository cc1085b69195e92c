extension CheckpointReader {
    /// Throws a `CheckpointDatasetMismatch` naming both files if this checkpoint's network cannot score `dataset`:
    /// its class list and sampling rate must be the network's, and it must have the network's leads (by name; it
    /// may have more, e.g. 12 leads for a lead-II network).
    public func requireApplicable(to dataset: ECGDataset) throws(CheckpointDatasetMismatch) {
        let checkpoint = url.path, data = dataset.url.path
        if metadata.classCodes != dataset.classCodes {
            throw .classCodes(checkpoint: checkpoint, dataset: data,
                              detail: Self.labelColumnDifference(metadata.classCodes, dataset.classCodes))
        }
        if metadata.samplingFrequency != dataset.samplingFrequency {
            throw .samplingFrequency(checkpoint: checkpoint, checkpointHz: metadata.samplingFrequency, dataset: data,
                                     datasetHz: dataset.samplingFrequency)
        }
        let missing = metadata.task.leads.filter { lead in
            !dataset.leadNames.contains { $0.caseInsensitiveCompare(lead) == .orderedSame }
        }
        if !missing.isEmpty {
            throw .missingLeads(checkpoint: checkpoint, checkpointLeads: metadata.task.leads, dataset: data,
                                datasetLeads: dataset.leadNames)
        }
    }

    /// How the checkpoint's output classes and the dataset's label columns differ: counts, codes only one side
    /// has, or the first position where the same codes are in another order.
    static func labelColumnDifference(_ checkpoint: [String], _ dataset: [String]) -> String {
        let onlyDataset = dataset.filter { !checkpoint.contains($0) }
        let onlyCheckpoint = checkpoint.filter { !dataset.contains($0) }
        var parts = ["the checkpoint predicts \(checkpoint.count) classes, the dataset labels \(dataset.count)"]
        if !onlyCheckpoint.isEmpty { parts.append("only the checkpoint has \(onlyCheckpoint.joined(separator: ", "))") }
        if !onlyDataset.isEmpty { parts.append("only the dataset has \(onlyDataset.joined(separator: ", "))") }
        if onlyDataset.isEmpty && onlyCheckpoint.isEmpty,
           let index = zip(checkpoint, dataset).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            parts.append("the same codes in another order (first difference at column \(index): "
                         + "\(checkpoint[index]) vs \(dataset[index]))")
        }
        return parts.joined(separator: "; ")
    }
}
