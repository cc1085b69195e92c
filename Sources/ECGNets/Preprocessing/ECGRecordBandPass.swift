extension ECGRecord {
    /// This record with every lead band-passed by `filter` (zero-phase, scipy's `sosfiltfilt`), done on the whole
    /// record before windows are cut so that window edges carry no filter transients. A NaN (missing) sample makes
    /// its whole lead NaN, which windowing then writes as zeros; `validate()` reports such records beforehand.
    public func bandPassFiltered(by filter: ButterworthBandPassFilter) throws(BandPassFilterError) -> ECGRecord {
        guard filter.samplingFrequency == samplingFrequency else {
            throw .samplingFrequencyMismatch(record: id, recordFrequency: samplingFrequency,
                                             filterFrequency: filter.samplingFrequency)
        }
        var record = self
        for lead in signals.indices {
            let name = lead < leadNames.count ? leadNames[lead] : "#\(lead + 1)"
            record.signals[lead] = try filter.filtered(signals[lead], name: "record \(id) lead \(name)")
        }
        return record
    }
}
