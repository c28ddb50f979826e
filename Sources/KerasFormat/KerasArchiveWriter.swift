import Foundation
import HDF5
import SafeWrite

/// Writes a `.keras` zip in one pass over the weights: libhdf5 writes `model.weights.h5` straight into the zip
/// file after a user block of ``userBlock`` bytes, which then takes the member's local header (padded with an
/// extra field, as Android's zipalign pads); `metadata.json`, `config.json` and the central directory follow
/// the weights. Members are stored uncompressed, as Keras stores them. An HDF5 file whose superblock is not at
/// its start is one libhdf5 and h5py open as they open any other: addresses count from the superblock.
public enum KerasArchiveWriter {
    /// The bytes before the weights member's data: room for its local header.
    static let userBlock = 512
    /// Sizes and offsets from here on are written in zip64 records.
    public static let zip64Threshold: UInt64 = 0xFFFF_FFFF
    /// The weights member's name.
    static let weightsName = "model.weights.h5"

    /// One member as the central directory lists it.
    private struct Member {
        let name: String
        let crc: UInt32
        let size: UInt64
        let offset: UInt64
    }

    /// Writes a `.keras` archive at `path`, atomically: the weights through `fillWeights` (given the root group
    /// of `model.weights.h5`), then the two JSON members. Sizes and offsets of `zip64Above` bytes or more are
    /// written in zip64 records (Python's zipfile reads both; tests lower it to check them on small files).
    public static func write(to path: String, metadata: [UInt8], config: [UInt8], zip64Above: UInt64 = zip64Threshold,
                             fillWeights: (Group) throws -> Void) throws {
        try AtomicFile.write(to: path) { descriptor, reachablePath in
            try writeWeights(at: reachablePath, name: path, fillWeights)
            try finish(descriptor: descriptor, name: path, metadata: metadata, config: config, zip64Above: zip64Above)
        }
    }

    /// Writes the weights after the user block; libhdf5 has closed the file (and written all of it) on return.
    @inline(never)
    private static func writeWeights(at reachablePath: String, name: String, _ fill: (Group) throws -> Void) throws {
        let file = try File.create(at: reachablePath, name: name, userBlock: userBlock)
        try fill(try file.root)
        try file.finishWriting()
    }

    /// Once libhdf5 has closed the weights: their local header into the user block, the JSON members and the
    /// central directory after them.
    private static func finish(descriptor: Int32, name: String, metadata: [UInt8], config: [UInt8], zip64Above: UInt64) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) > userBlock else { throw failure(name, "the weights were not written") }
        let end = UInt64(status.st_size)
        guard let weightsCRC = ZipLayout.crc(descriptor: descriptor, range: userBlock..<Int(end)) else {
            throw failure(name, "cannot read back the weights (\(String(cString: strerror(errno))))")
        }
        let weights = Member(name: weightsName, crc: weightsCRC, size: end - UInt64(userBlock), offset: 0)
        let (day, time) = dosDateAndTime(Date())
        // The weights' local header fills the user block, padded with an extra field of the ID zipalign uses.
        let unpadded = localHeader(weights, date: day, time: time, zip64Above: zip64Above, padding: 0).count
        let header = localHeader(weights, date: day, time: time, zip64Above: zip64Above, padding: userBlock - unpadded)
        guard header.count == userBlock else { throw failure(name, "the weights' local header does not fit the user block") }
        try writeAll(header, at: 0, descriptor, name)

        var members = [weights]
        var tail: [UInt8] = []
        for (memberName, bytes) in [("metadata.json", metadata), ("config.json", config)] {
            let member = Member(name: memberName, crc: ZipLayout.crc(bytes), size: UInt64(bytes.count), offset: end + UInt64(tail.count))
            tail += localHeader(member, date: day, time: time, zip64Above: zip64Above) + bytes
            members.append(member)
        }
        let directoryOffset = end + UInt64(tail.count)
        var directory: [UInt8] = []
        for member in members { directory += centralHeader(member, date: day, time: time, zip64Above: zip64Above) }
        tail += directory
        let directorySize = UInt64(directory.count)
        let needsZip64 = directoryOffset >= zip64Above || members.contains { $0.size >= zip64Above || $0.offset >= zip64Above }
        if needsZip64 {
            let recordOffset = directoryOffset + directorySize
            // Zip64 end of central directory record, then its locator.
            tail += le32(0x0606_4b50) + le64(44) + le16(0x031E) + le16(45) + le32(0) + le32(0)
            tail += le64(UInt64(members.count)) + le64(UInt64(members.count)) + le64(directorySize) + le64(directoryOffset)
            tail += le32(0x0706_4b50) + le32(0) + le64(recordOffset) + le32(1)
        }
        tail += le32(0x0605_4b50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
        tail += le32(directorySize) + le32(needsZip64 ? 0xFFFF_FFFF : directoryOffset) + le16(0)
        try writeAll(tail, at: end, descriptor, name)
    }

    /// A local file header (stored, no data descriptor); sizes go to a zip64 extra field when large. A
    /// `padding` of 4 bytes or more adds an extra field of that many bytes in all.
    private static func localHeader(_ member: Member, date: UInt16, time: UInt16, zip64Above: UInt64, padding: Int = 0) -> [UInt8] {
        let large = member.size >= zip64Above
        let nameBytes = Array(member.name.utf8)
        var extra = large ? le16(1) + le16(16) + le64(member.size) + le64(member.size) : []
        if padding >= 4 { extra += le16(0xD935) + le16(padding - 4) + [UInt8](repeating: 0, count: padding - 4) }
        var header = le32(0x0403_4b50) + le16(large ? 45 : 20) + le16(0) + le16(0) + le16(Int(time)) + le16(Int(date))
        header += le32(UInt64(member.crc)) + le32(large ? 0xFFFF_FFFF : member.size) + le32(large ? 0xFFFF_FFFF : member.size)
        header += le16(nameBytes.count) + le16(extra.count) + nameBytes + extra
        return header
    }

    /// A central directory header: a regular file, mode 0644, made on Unix.
    private static func centralHeader(_ member: Member, date: UInt16, time: UInt16, zip64Above: UInt64) -> [UInt8] {
        let largeSize = member.size >= zip64Above, largeOffset = member.offset >= zip64Above
        let nameBytes = Array(member.name.utf8)
        var values: [UInt8] = []
        if largeSize { values += le64(member.size) + le64(member.size) }
        if largeOffset { values += le64(member.offset) }
        let extra = values.isEmpty ? [] : le16(1) + le16(values.count) + values
        var header = le32(0x0201_4b50) + le16(0x031E) + le16(largeSize || largeOffset ? 45 : 20) + le16(0) + le16(0)
        header += le16(Int(time)) + le16(Int(date)) + le32(UInt64(member.crc))
        header += le32(largeSize ? 0xFFFF_FFFF : member.size) + le32(largeSize ? 0xFFFF_FFFF : member.size)
        header += le16(nameBytes.count) + le16(extra.count) + le16(0) + le16(0) + le16(0) + le32(UInt64(0o100644) << 16)
        header += le32(largeOffset ? 0xFFFF_FFFF : member.offset) + nameBytes + extra
        return header
    }

    private static func writeAll(_ bytes: [UInt8], at offset: UInt64, _ descriptor: Int32, _ name: String) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure(name, "cannot write (\(String(cString: strerror(errno))))") }
            written += count
        }
    }

    private static func failure(_ name: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: name, .archiveNotAssembled(reason))
    }

    /// MS-DOS date and time fields of `date` in local time, as zip headers keep them.
    private static func dosDateAndTime(_ date: Date) -> (date: UInt16, time: UInt16) {
        let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(0, (parts.year ?? 1980) - 1980)
        return (UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1)),
                UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2))
    }

    private static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    private static func le32(_ value: UInt64) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    private static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(value >> (8 * $0) & 0xFF) } }
}
