using System;
using System.Runtime.CompilerServices;

namespace nanoFramework.TestFramework
{
    public static partial class Assert
    {
        public static void IsTrue(bool condition, [CallerArgumentExpression("condition")] string message = "")
        {
            if (!condition)
                HandleFail("Assert.IsTrue", message);
        }

        public static void IsFalse(bool condition, [CallerArgumentExpression("condition")] string message = "")
        {
            if (condition)
                HandleFail("Assert.IsFalse", message);
        }

        public static void IsNull(object value, [CallerArgumentExpression("value")] string message = "")
        {
            if (value != null)
                HandleFail("Assert.IsNull", message);
        }

        public static void IsNotNull(object value, [CallerArgumentExpression("value")] string message = "")
        {
            if (value == null)
                HandleFail("Assert.IsNotNull", message);
        }

        public static void AreSame(object expected, object actual, [CallerArgumentExpression("actual")] string message = "")
        {
            if (!ReferenceEquals(expected, actual))
                HandleFail("Assert.AreSame", message);
        }

        public static void AreNotSame(object notExpected, object actual, string message = "")
        {
            if (ReferenceEquals(notExpected, actual))
                HandleFail("Assert.AreNotSame", message);
        }

        public static void IsInstanceOfType(object value, Type expected, [CallerArgumentExpression("value")] string message = "")
        {
            if (value == null || expected != value.GetType())
                HandleFail("Assert.IsInstanceOfType", "Expected type:<" + expected + ">. Actual type:<" + (value == null ? "(null)" : value.GetType().ToString()) + ">. " + message);
        }

        public static void Contains(string expected, string other, string message = "")
        {
            if (expected == null || other == null || other.IndexOf(expected, StringComparison.Ordinal) < 0)
                HandleFail("Assert.Contains", Show(other) + " does not contains " + Show(expected) + ". " + message);
        }

        public static void DoesNotContains(string expected, string other, string message = "")
        {
            if (expected == null || other == null || other.IndexOf(expected, StringComparison.Ordinal) >= 0)
                HandleFail("Assert.DoesNotContains", Show(other) + " should not contain " + Show(expected) + ". " + message);
        }

        public static void StartsWith(string expected, string other, string message = "")
        {
            if (expected == null || other == null || !other.StartsWith(expected, StringComparison.Ordinal))
                HandleFail("Assert.StartsWith", Show(other) + " does not start with " + Show(expected) + ". " + message);
        }

        public static void EndsWith(string expected, string other, string message = "")
        {
            if (expected == null || other == null || !other.EndsWith(expected, StringComparison.Ordinal))
                HandleFail("Assert.EndsWith", Show(other) + " does not end with " + Show(expected) + ". " + message);
        }

        /// <summary>
        /// Passes only when <paramref name="action"/> throws exactly <paramref name="exceptionType"/>
        /// (not a subclass), as upstream's ThrowsException does.
        /// </summary>
        public static void ThrowsException(Type exceptionType, Action action, string message = "")
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                if (ex.GetType() != exceptionType)
                    HandleFail("Assert.ThrowsException", "Threw exception " + ex.GetType() + ", but exception " + exceptionType + " was expected. " + message + "\r\nException Message: " + ex.Message);
                return;
            }

            HandleFail("Assert.ThrowsException", "No exception thrown. " + exceptionType + " exception was expected. " + message);
        }

        public static void SkipTest(string message = null)
        {
            throw new SkipTestException(message);
        }

        internal static void HandleFail(string assertion, string message)
        {
            throw new AssertFailedException(assertion + " failed. " + message);
        }

        private static string Show(object value)
        {
            return value == null ? "(null)" : value.ToString();
        }
    }
}
