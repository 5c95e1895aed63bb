package dev.sheepdog.state.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code <dir>/state.lock}, held for a store's life so that two processes
 * (or two stores in one process) never share a state directory. The OS drops the lock when the
 * process dies, so a crash never leaves the directory locked.
 */
final class DirectoryLock implements AutoCloseable {
  static final String FILE_NAME = "state.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code directory} if missing and locks it.
   *
   * @throws StateStoreException if the directory cannot be created, or is locked already
   */
  static DirectoryLock acquire(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StateStoreException("state directory " + directory + " cannot be created (" + SqliteErrors.reason(e)
          + "); create it with write access for this user or set state.path to another directory", e);
    }
    Path file = directory.resolve(FILE_NAME);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StateStoreException("state lock file " + file + " cannot be opened (" + SqliteErrors.reason(e)
          + "); give this user write access to " + directory + " or set state.path to another directory", e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StateStoreException("state lock file " + file + " cannot be locked (" + SqliteErrors.reason(e)
          + "); check the file system supports locks or set state.path to another directory", e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new StateStoreException("state directory " + directory + " is in use by another Sheepdog process (lock held on "
          + file + "); stop that process or set state.path to another directory");
    }
    return new DirectoryLock(channel, lock);
  }

  /** Releases the lock; the lock file stays, empty, for the next store. */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel below releases it as well
    } finally {
      closeQuietly(channel);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing is left to release: the lock goes with the channel
    }
  }
}
