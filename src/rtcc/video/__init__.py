"""Live video: pulling camera streams, repackaging them for browsers, and cutting clips."""
