import CGzip
import Foundation

/// The few facts about a zip file's layout that ZIPFoundation keeps to itself: where a member's data start
/// in the file (to read an uncompressed member in place), and CRC-32s computed with zlib at memory speed.
enum ZipLayout {
    /// The offset of member `name`'s first data byte in the zip open at `descriptor` (of `fileSize` bytes),
    /// followed from the end of central directory record (zip64 too) through the member's central and local
    /// headers; nil when a record is missing or points outside the file.
    static func dataOffset(of name: String, descriptor: Int32, fileSize: Int) -> Int? {
        let tailLength = min(fileSize, 22 + 0xFFFF)
        guard let tail = read(descriptor, at: fileSize - tailLength, count: tailLength),
              let end = lastIndex(of: [0x50, 0x4B, 0x05, 0x06], in: tail) else { return nil }
        var directoryOffset = Int(tail.u32(end + 16)), directorySize = Int(tail.u32(end + 12))
        if directoryOffset == 0xFFFF_FFFF, end >= 20, tail.u32(end - 20) == 0x0706_4B50 {
            let recordOffset = Int(clamping: tail.u64(end - 12))
            guard let record = read(descriptor, at: recordOffset, count: 56), record.u32(0) == 0x0606_4B50 else { return nil }
            directorySize = Int(clamping: record.u64(40))
            directoryOffset = Int(clamping: record.u64(48))
        }
        guard directoryOffset >= 0, directorySize >= 0, directorySize <= fileSize - directoryOffset,
              let directory = read(descriptor, at: directoryOffset, count: directorySize) else { return nil }
        var position = 0
        let wanted = Array(name.utf8)
        while position + 46 <= directory.count, directory.u32(position) == 0x0201_4B50 {
            let nameLength = Int(directory.u16(position + 28)), extraLength = Int(directory.u16(position + 30))
            let commentLength = Int(directory.u16(position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { return nil }
            if Array(directory[position + 46..<position + 46 + nameLength]) == wanted {
                var headerOffset = Int(directory.u32(position + 42))
                if headerOffset == 0xFFFF_FFFF {
                    // The zip64 extra field lists the large sizes first, then the offset.
                    guard let zip64 = zip64Field(directory, from: position + 46 + nameLength, length: extraLength) else { return nil }
                    let skipped = (directory.u32(position + 24) == 0xFFFF_FFFF ? 8 : 0) + (directory.u32(position + 20) == 0xFFFF_FFFF ? 8 : 0)
                    guard zip64.count >= skipped + 8 else { return nil }
                    headerOffset = Int(clamping: zip64.u64(skipped))
                }
                guard headerOffset >= 0, let header = read(descriptor, at: headerOffset, count: 30), header.u32(0) == 0x0403_4B50 else { return nil }
                let offset = headerOffset + 30 + Int(header.u16(26)) + Int(header.u16(28))
                return offset <= fileSize ? offset : nil
            }
            position = next
        }
        return nil
    }

    /// The CRC-32 of `bytes`.
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    /// The CRC-32 of bytes `range` of the file open at `descriptor`; nil when they cannot be read. Large
    /// ranges are split between two threads (zlib combines the halves' CRCs), each mapping its half a window
    /// at a time, so nothing is copied and little memory is held.
    static func crc(descriptor: Int32, range: Range<Int>) -> UInt32? {
        let halves = range.count < 64 << 20 ? [range] : [range.lowerBound..<range.lowerBound + range.count / 2,
                                                        range.lowerBound + range.count / 2..<range.upperBound]
        // Each thread writes its own element only.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<UInt?>.allocate(capacity: halves.count)
        defer { results.deallocate() }
        _ = results.initialize(from: halves.map { _ in UInt?.none })
        DispatchQueue.concurrentPerform(iterations: halves.count) { index in
            results[index] = mappedCRC(descriptor: descriptor, range: halves[index])
        }
        guard var crc = results[0] else { return nil }
        if halves.count == 2 {
            guard let second = results[1] else { return nil }
            crc = crc32_combine(crc, second, off_t(halves[1].count))
        }
        return UInt32(crc)
    }

    /// The CRC-32 of a range of the file, mapped 4 MiB at a time.
    private static func mappedCRC(descriptor: Int32, range: Range<Int>) -> UInt? {
        let window = 4 << 20
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var crc: UInt = 0
        var offset = range.lowerBound
        while offset < range.upperBound {
            let start = offset / page * page
            let end = min(range.upperBound, start + window)
            guard let mapped = mmap(nil, end - start, PROT_READ, MAP_SHARED | MAP_POPULATE, descriptor, off_t(start)), mapped != MAP_FAILED else {
                return nil
            }
            crc = crc32(crc, (mapped + (offset - start)).assumingMemoryBound(to: UInt8.self), UInt32(end - offset))
            munmap(mapped, end - start)
            offset = end
        }
        return crc
    }

    /// The data of the zip64 extra field (ID 1) among the extra fields at `start`.
    private static func zip64Field(_ bytes: [UInt8], from start: Int, length: Int) -> ArraySlice<UInt8>? {
        var position = start
        while position + 4 <= start + length {
            let id = bytes.u16(position), size = Int(bytes.u16(position + 2))
            guard position + 4 + size <= start + length else { return nil }
            if id == 1 { return bytes[position + 4..<position + 4 + size] }
            position += 4 + size
        }
        return nil
    }

    private static func lastIndex(of signature: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 22 else { return nil }
        return stride(from: bytes.count - 22, through: 0, by: -1).first { bytes[$0..<$0 + 4].elementsEqual(signature) }
    }

    private static func read(_ descriptor: Int32, at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { return nil }
            done += read
        }
        return bytes
    }
}

private extension Collection where Element == UInt8, Index == Int {
    /// The little-endian integer of `size` bytes at `offset` (relative to the start index).
    func little(_ offset: Int, _ size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(self[startIndex + offset + $1]) << (8 * $1) }
    }
    func u16(_ offset: Int) -> UInt16 { UInt16(little(offset, 2)) }
    func u32(_ offset: Int) -> UInt32 { UInt32(little(offset, 4)) }
    func u64(_ offset: Int) -> UInt64 { little(offset, 8) }
}
