using System;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The 206 response's header of a resumed download (<c>Range: bytes=N-</c>; RFC 9110 14.4): <c>Content-Range: bytes first-last/complete</c>. Strict: a server that answers another start, an
    /// unknown length (<c>*</c>) or anything malformed is refused, so a confused or hostile server cannot make the
    /// device write a part at the wrong offset (the SHA-256 would catch it, but only after the whole download).
    /// </summary>
    public static class ContentRange
    {
        /// <summary>
        /// The complete length from a Content-Range value that starts at <paramref name="expectedFirst"/> and runs to the
        /// end of the resource; -1 when the value is malformed, starts elsewhere, ends early, or has no complete length.
        /// </summary>
        public static int CompleteLength(string value, int expectedFirst)
        {
            if (value == null)
                return -1;
            string text = value.Trim();
            const string Unit = "bytes ";
            if (text.Length <= Unit.Length || text.Substring(0, Unit.Length) != Unit)
                return -1;
            text = text.Substring(Unit.Length).Trim();
            int dash = text.IndexOf('-');
            int slash = text.IndexOf('/');
            if (dash <= 0 || slash <= dash + 1 || slash == text.Length - 1)
                return -1;
            long first = Digits(text, 0, dash);
            long last = Digits(text, dash + 1, slash);
            long complete = Digits(text, slash + 1, text.Length);
            if (first < 0 || last < 0 || complete < 0)
                return -1;
            if (first != expectedFirst || last < first || last != complete - 1 || complete > int.MaxValue)
                return -1;
            return (int)complete;
        }

        /// <summary>A run of 1..10 decimal digits as a number, or -1 (no sign, no spaces: int.Parse's range errors differ on the device).</summary>
        private static long Digits(string text, int start, int end)
        {
            if (end <= start || end - start > 10)
                return -1;
            long n = 0;
            for (int i = start; i < end; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                    return -1;
                n = n * 10 + (c - '0');
            }
            return n;
        }
    }
}
