extension ECGRecord {
    /// This record with every lead resampled to `targetRate` Hz by `PolyphaseResampler` (scipy's `resample_poly`);
    /// the record itself when it is already at that rate.
    public func resampled(to targetRate: Double) throws(ResamplingError) -> ECGRecord {
        if targetRate == samplingFrequency { return self }
        let resampler = try PolyphaseResampler(from: samplingFrequency, to: targetRate)
        var record = self
        record.signals = signals.map(resampler.resample)
        record.samplingFrequency = targetRate
        return record
    }
}
