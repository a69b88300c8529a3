#if canImport(Glibc)
import Glibc
#endif

/// The `Retry-After` header of a 429 or 503 (RFC 9110 §10.2.3): either a number of seconds or an HTTP-date. Only the
/// preferred date form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), is read; the obsolete RFC 850 and asctime forms
/// and anything else give `nil`, and the caller falls back to its own backoff.
enum RetryAfter {
    /// The wait the header asks for, measured from `now` (seconds since the Unix epoch) for a date; a date in the past
    /// is no wait. Not capped here: the caller caps it.
    static func delay(_ header: String, now: Int64 = currentUnixTime()) -> Duration? {
        let text = header.drop { $0 == " " || $0 == "\t" }
        let trimmed = text.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        let value = String(trimmed)
        if let seconds = seconds(value) { return .seconds(seconds) }
        guard let date = imfFixdate(value) else { return nil }
        return .seconds(max(0, date - now))
    }

    /// Decimal digits only (no sign, no fraction), as the grammar says; absurdly long values saturate instead of
    /// overflowing, which the caller's cap then reduces.
    private static func seconds(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var total: Int64 = 0
        for digit in text.utf8 {
            let (times10, overflow) = total.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit - 0x30))
            if overflow || overflow2 { return Int64.max / 1_000_000_000_000 }
            total = sum
        }
        return total
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays: Set<Substring> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// `Day, DD Mon YYYY HH:MM:SS GMT` → seconds since the Unix epoch.
    static func imfFixdate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].last == ",", weekdays.contains(parts[0].dropLast()),
            parts[5] == "GMT", parts[1].count == 2, parts[3].count == 4,
            let day = Int64(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int64(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
            (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysSinceEpoch(year: year, month: Int64(month) + 1, day: day)
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the civil-from-days algorithm run backwards: years start
    /// in March so the leap day is last).
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func currentUnixTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}
