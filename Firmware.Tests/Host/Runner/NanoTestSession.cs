using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using nanoFramework.TestFramework;

namespace Firmware.Tests.Host
{
    /// <summary>
    /// Runs catalog cases with the launcher's per-class semantics: one instance per test class shared by
    /// its setup, tests and cleanup; a SkipTestException from [Setup] skips the class's tests and cleanup; a failing
    /// [Setup] is reported but does not stop the tests (as upstream). A case run on its own (filtered run)
    /// first runs its class's [Setup] methods.
    /// </summary>
    public sealed class NanoTestSession
    {
        private readonly Dictionary<Type, ClassState> _classes = new Dictionary<Type, ClassState>();

        private sealed class ClassState
        {
            public object Instance;
            public bool SetupRan;
            public string SkipReason;
        }

        /// <summary>A case that did not fail: passed, or skipped with a reason; plus what it wrote.</summary>
        public sealed class Outcome
        {
            public bool Skipped;
            public string SkipReason;
            public string Output;
        }

        /// <summary>
        /// Runs one case. Throws <see cref="NanoTestFailedException"/> with the assertion's message
        /// (and the data row) when it fails; returns the captured output otherwise.
        /// </summary>
        public Outcome Run(NanoTestCase test, NanoTestCatalog catalog)
        {
            ClassState state = StateOf(test.TestClass);
            if (test.Kind != NanoTestKind.Setup && !state.SetupRan)
            {
                foreach (NanoTestCase c in catalog.Cases)
                {
                    if (c.TestClass == test.TestClass && c.Kind == NanoTestKind.Setup)
                    {
                        try { Run(c, catalog); }
                        catch (NanoTestFailedException) { /* reported by the Setup case itself */ }
                    }
                }
            }

            if (test.Kind == NanoTestKind.Setup)
                state.SetupRan = true;

            // As upstream's launcher: a skip in [Setup] skips the class's tests and its [Cleanup].
            if (state.SkipReason != null && test.Kind != NanoTestKind.Setup)
                return new Outcome { Skipped = true, SkipReason = "class skipped in [Setup]: " + state.SkipReason };

            StringWriter output = new StringWriter();
            TextWriter previous = Console.Out;
            Console.SetOut(output);
            try
            {
                test.Method.Invoke(test.Method.IsStatic ? null : state.Instance, test.Arguments);
                return new Outcome { Output = output.ToString() };
            }
            catch (TargetInvocationException ex) when (ex.InnerException is SkipTestException)
            {
                if (test.Kind == NanoTestKind.Setup)
                    state.SkipReason = ex.InnerException.Message ?? "";
                return new Outcome { Skipped = true, SkipReason = ex.InnerException.Message, Output = output.ToString() };
            }
            catch (TargetInvocationException ex)
            {
                Exception inner = ex.InnerException;
                string where = test.Kind == NanoTestKind.DataRow ? "[DataRow " + test.Row + "] " : "";
                if (inner is AssertFailedException)
                    throw new NanoTestFailedException(where + inner.Message, output.ToString());
                throw new NanoTestFailedException(where + inner.GetType().FullName + ": " + inner.Message + Environment.NewLine + inner.StackTrace, output.ToString());
            }
            catch (ArgumentException ex)
            {
                // Reflection refused the DataRow's values for the method's parameters.
                throw new NanoTestFailedException("[DataRow " + test.Row + "] arguments do not fit " + test.Method.Name + ": " + ex.Message, output.ToString());
            }
            catch (TargetParameterCountException ex)
            {
                throw new NanoTestFailedException((test.Kind == NanoTestKind.DataRow ? "[DataRow " + test.Row + "] " : "") + "wrong number of arguments for " + test.Method.Name + ": " + ex.Message, output.ToString());
            }
            finally
            {
                Console.SetOut(previous);
            }
        }

        private ClassState StateOf(Type type)
        {
            ClassState state;
            if (!_classes.TryGetValue(type, out state))
            {
                state = new ClassState { Instance = Activator.CreateInstance(type) };
                _classes.Add(type, state);
            }
            return state;
        }
    }
}
