namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The URLs a release manifest may name: absolute <c>https://host[:port]/path[?query]</c>, at most
    /// <see cref="MaxLength"/> characters of RFC 3986's URI characters.
    /// Threat: the manifest is signed, but a URL that different HTTP stacks read differently (userinfo
    /// "https://good@evil/", fragments, spaces, backslashes, bare '%') or plain http would let whoever is on the
    /// network path serve or observe the download; refusing anything but plain https keeps the device on
    /// the pinned-TLS path (the part's SHA-256 still decides whether the bytes are installed).
    /// </summary>
    public static class HttpsUrl
    {
        public const string Scheme = "https://";
        public const int MaxLength = 512;

        /// <summary>Null when <paramref name="url"/> is acceptable, otherwise what is wrong with it.</summary>
        public static string Problem(string url)
        {
            if (url == null || url.Length == 0)
                return "is empty";
            if (url.Length > MaxLength)
                return "is longer than " + MaxLength.ToString() + " characters";
            if (url.Length < Scheme.Length || !StartsWithScheme(url))
                return "is not https:// (plain http and other schemes are refused)";
            int hostStart = Scheme.Length;
            int pathStart = -1;
            for (int i = hostStart; i < url.Length; i++)
            {
                char c = url[i];
                if (c == '/')
                {
                    pathStart = i;
                    break;
                }
                if (c == '?' || c == '#')
                    return "has no path";
            }
            if (pathStart < 0)
                return "has no path";
            string authorityProblem = AuthorityProblem(url, hostStart, pathStart);
            if (authorityProblem != null)
                return authorityProblem;
            for (int i = pathStart; i < url.Length; i++)
            {
                char c = url[i];
                if (c == '%')
                {
                    if (i + 2 >= url.Length || !IsHexDigit(url[i + 1]) || !IsHexDigit(url[i + 2]))
                        return "has a '%' that is not followed by two hex digits";
                    i += 2;
                    continue;
                }
                if (c == '#')
                    return "has a fragment";
                if (!IsPathChar(c))
                    return "has the character '" + c.ToString() + "' (not allowed in a URL)";
            }
            return null;
        }

        public static bool IsValid(string url)
        {
            return Problem(url) == null;
        }

        private static bool StartsWithScheme(string url)
        {
            for (int i = 0; i < Scheme.Length; i++)
            {
                if (url[i] != Scheme[i])
                    return false;
            }
            return true;
        }

        private static string AuthorityProblem(string url, int start, int end)
        {
            if (end == start)
                return "has no host";
            int hostEnd = end;
            if (url[start] == '[')
            {
                int close = -1;
                for (int i = start + 1; i < end; i++)
                {
                    char c = url[i];
                    if (c == ']')
                    {
                        close = i;
                        break;
                    }
                    if (!(IsHexDigit(c) || c == ':' || c == '.'))
                        return "has a bad IPv6 host";
                }
                if (close < 0 || close == start + 1)
                    return "has a bad IPv6 host";
                hostEnd = close + 1;
                if (hostEnd != end && url[hostEnd] != ':')
                    return "has a bad IPv6 host";
            }
            else
            {
                for (int i = start; i < end; i++)
                {
                    char c = url[i];
                    if (c == ':')
                    {
                        hostEnd = i;
                        break;
                    }
                    if (c == '@')
                        return "has userinfo ('@'): refused";
                    if (!(IsAlphaNum(c) || c == '-' || c == '.'))
                        return "has the character '" + c.ToString() + "' in its host";
                }
                if (hostEnd == start)
                    return "has no host";
                if (url[start] == '.' || url[start] == '-' || url[hostEnd - 1] == '-')
                    return "has a bad host name";
            }
            if (hostEnd == end)
                return null;
            // ":port": 1..65535, digits only, no leading zero.
            int digits = end - hostEnd - 1;
            if (digits < 1 || digits > 5 || url[hostEnd + 1] == '0')
                return "has a bad port";
            int port = 0;
            for (int i = hostEnd + 1; i < end; i++)
            {
                char c = url[i];
                if (c < '0' || c > '9')
                    return c == '@' ? "has userinfo ('@'): refused" : "has a bad port";
                port = port * 10 + (c - '0');
            }
            if (port > 65535)
                return "has a bad port";
            return null;
        }

        private static bool IsAlphaNum(char c)
        {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }

        private static bool IsHexDigit(char c)
        {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }

        /// <summary>RFC 3986 pchar plus '/' and '?': unreserved, sub-delims, ':' and '@'; '%' is handled by the caller.</summary>
        private static bool IsPathChar(char c)
        {
            if (IsAlphaNum(c))
                return true;
            switch (c)
            {
                case '-': case '.': case '_': case '~':
                case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
                case ':': case '@': case '/': case '?':
                    return true;
                default:
                    return false;
            }
        }
    }
}
