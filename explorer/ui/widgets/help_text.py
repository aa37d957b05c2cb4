"""The concept behind each control, one sentence each, in the words of the course notes.

Tooltips of the three parts come from here, so the explanations of padding,
stride, pooling, parameter count, epochs and the rest are written (and
reviewed) in one place and never drift apart. Operational tips ("Save the
curves as CSV") stay next to their buttons. Qt-only; no pyqtgraph here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

__all__ = ["CONCEPTS", "describe", "tip"]

#: Concept sentence per key. Keys are used by the widgets; every value is one sentence ending in ".".
CONCEPTS: dict[str, str] = {
    # ---- kernel lab: the image
    "sample_image": "Sample image: images are just numbers, a height × width × channels array (3 channels for "
                    "an RGB photo); the photos are scikit-learn's china and flower of the course notes, the "
                    "others make a kernel's effect easy to read.",
    "crop": "Crop: run the kernels on a region only, as the course notes crop the photos to see the line "
            "filters at work.",
    "crop_region": "Crop region, in pixels of the image as shown: its top and left corner, its height and width.",
    # ---- kernel lab: the layer
    "image_mode": "Image filter: the kernel slides over each colour channel separately, so a colour photo "
                  "stays colour.",
    "layer_mode": "Conv layer: like Conv2D, each filter spans all input channels; the results of the channels "
                  "are added, a bias is added, and each filter gives one feature map.",
    "padding": "Padding extends the input with a border of zeros: 'valid' means no padding (only valid window "
               "locations, so the output shrinks), 'same' pads so the output keeps the input's width and "
               "height (at stride 1).",
    "explicit_padding": "Explicit padding: how many rows or columns of zeros to add on this side, the p of "
                        "⌊(n + 2p − f)/s⌋ + 1.",
    "stride": "Stride: how many pixels the kernel moves between two outputs; stride 2 halves the feature map.",
    "dilation": "Dilation: spreads the kernel's taps apart, so a 3×3 kernel with dilation 2 covers 5×5 pixels.",
    "activation": "Activation: ReLU keeps positive values and sets negative ones to zero, as after every "
                  "Conv2D layer of the course notes; 'none' shows the raw sums.",
    "pool": "Pooling reduces the size of each feature map: max pooling keeps the largest value of each window "
            "(the strongest response), average pooling its mean; it has no parameters to learn.",
    "pool_size": "Pool size: the height and width of the pooling window; max pooling is usually done with "
                 "2×2 windows and stride 2.",
    "pool_stride": "Pool stride: the step between pooling windows; equal to the pool size (usual) means the "
                   "windows do not overlap.",
    "depth_pool": "Depth-wise pooling: the max over groups of this many neighbouring feature maps, keeping "
                  "height and width but reducing the depth (the number of channels); off = 1.",
    "global_pool": "Global pooling: one number per feature map, its max or its average over the whole map.",
    # ---- kernel lab: what comes out
    "input_view": "Input: the image the kernels slide over; the outline shows the window of input pixels "
                  "(the receptive field) of the feature-map pixel being explained.",
    "feature_maps": "Feature maps: one map per kernel, its response at every location of the input (white 0, "
                    "red positive, blue negative in the classic colours); hover a pixel to see its arithmetic, click to pin it.",
    "pooled_maps": "After pooling: each feature map reduced window by window to the max or the average, "
                   "smaller but keeping the strongest responses.",
    "colour_bar": "Colour scale: which value each colour stands for; white is exactly 0.",
    "output_shapes": "Output size per axis: ⌊(n + 2p − f)/s⌋ + 1 for input size n, padding p, kernel size f "
                     "and stride s; parameter count of a conv layer: (kh·kw·c_in + 1)·filters, the + 1 "
                     "being each filter's bias.",
    "worked_arithmetic": "One feature-map pixel: the input patch times the kernel, cell by cell, summed, plus "
                         "the bias, then the activation; the same transformation is applied to every patch.",
    "input_patch": "Input patch: the pixels under the kernel's window for this output pixel (with padding "
                   "zeros at the border).",
    "patch_kernel": "Kernel: the weights multiplied with the input patch, cell by cell.",
    "products": "Products: input patch × kernel, cell by cell; their sum plus the bias is the output pixel.",
    "input_channel": "A conv layer sums over all input channels: pick which channel's patch to show.",
    # ---- training studio: settings
    "model": "Model: the network to train, one of the course notes' convnets (Conv2D and MaxPooling2D "
             "layers, then Flatten and Dense layers ending in softmax) or your own stack ('custom').",
    "edit_layers": "Build your own Sequential model from Conv2D, pooling, Dropout, Flatten and Dense layers; "
                   "impossible stacks are explained as you type.",
    "dataset": "Dataset: the labelled images to learn from; 'digits' is scikit-learn's bundled set and always "
               "works offline, 'folder' reads one sub-folder per class.",
    "data_dir": "Data folder: the four MNIST-style IDX files (MNIST or Fashion-MNIST without internet), or "
                "the image folder for 'folder'.",
    "limit": "Images used: train on only the first N images (all = every image), for a quick demonstration.",
    "validation_split": "Validation split: the fraction of the training images held back, never trained on, "
                        "to measure loss and accuracy on unseen data after each epoch.",
    "optimizer": "Optimizer: how the weights are updated from the gradients of the loss; rmsprop is the "
                 "course notes' choice, adam, sgd and nadam are alternatives.",
    "learning_rate": "Learning rate: the size of each weight update; empty uses the optimizer's default, too "
                     "large makes the loss explode (NaN).",
    "batch_size": "Batch size: how many images one gradient step uses (the course notes use 64); larger "
                  "batches are faster per image but update the weights less often.",
    "epochs": "Epochs: how many times the network goes through the whole training set (the course notes "
              "train for 5).",
    "patience": "Early stopping: stop when the validation loss has not improved for this many epochs (off = "
                "never stop early).",
    "rotation": "Data augmentation: rotate each training image randomly by up to this fraction of a full turn, "
                "so the network becomes rotation invariant and overfits less.",
    "translation": "Data augmentation: shift each training image randomly by up to this fraction of its size, "
                   "so the network becomes translation invariant and overfits less.",
    "zoom": "Data augmentation: zoom each training image randomly in or out by up to this fraction, so the "
            "network becomes scale invariant and overfits less.",
    # ---- training studio: what comes out
    "loss_curve": "Loss: how wrong the predictions are, on the training images (blue) and the held-back "
                  "validation images (orange); validation loss rising while training loss falls means "
                  "overfitting.",
    "accuracy_curve": "Accuracy: the fraction of images classified correctly, on the training images (blue) "
                      "and the validation images (orange); the dashed line is the current epoch so far.",
    "views_tabs": "What the network does: its activations, its learned filters, its test results, its "
                  "summary and the augmented images.",
    "activations_tab": "Activations: every layer's output (its feature maps) for one probe image, updated as "
                       "the network learns.",
    "filters_tab": "Filters: the first Conv2D layer's kernels, whose numbers are parameters learned from "
                   "the data.",
    "results_tab": "Results: the test accuracy, the confusion matrix and the misclassified test images, after "
                   "training.",
    "summary_tab": "Model: the model.summary() table, the output shape and parameter count of every layer.",
    "augmentation_tab": "Augmentation: randomly rotated, shifted and zoomed copies of training images, as "
                        "the network will see them.",
    "probe_drawing": "Show every layer's activations for the digit on the drawing pad instead of a test "
                     "image, as the network learns.",
    "model_summary": "Parameter count per layer: (kh·kw·c_in + 1)·filters for Conv2D, (inputs + 1)·units "
                     "for Dense, none for pooling, Flatten and Dropout.",
    "layer_text": "Layers, one per line (conv2d filters kernel [same] [relu], maxpool 2, dropout 0.5, flatten, "
                  "dense units [relu]); the summary on the right updates as you type.",
    "layer_check": "The model the layers build: output shape and parameter count of each layer, or the "
                   "line that cannot work and why.",
    # ---- draw & classify
    "brush": "Brush size: the stroke width as a percentage of the pad's width; the drawing is scaled down to "
             "the model's 28×28 input, where very thin strokes fade.",
    "eraser": "Eraser: drawing removes ink instead of adding it (a pen's eraser end does the same).",
    "sample_label": "Label: the class this drawing shows; saved samples go into one sub-folder per class, the "
                    "layout the training studio's 'folder' dataset reads.",
    "preprocessing": "Preprocessing, as MNIST digits were made: crop to the ink, fit into 20×20, centre the mass "
                     "in 28×28; the last tile is the model input.",
    "grad_cam": "Colour the strokes by how much they drove the guess: Grad-CAM weighs the last convolution's "
                "feature maps by their gradient for the guessed class.",
}


def tip(key: str) -> str:
    """The concept sentence for `key` (KeyError for an unknown key: a typo must fail loudly)."""
    return CONCEPTS[key]


def describe(widget: QWidget, name: str, text: str) -> QWidget:
    """Give `widget` an accessible name and a tooltip (also its accessible description).

    Parameters
    ----------
    widget : QWidget
    name : str
        Short accessible name, e.g. ``"Stride"``.
    text : str
        One sentence explaining the concept (usually ``tip(key)``).

    Returns
    -------
    QWidget
        `widget`, so construction can be chained.
    """
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(text)
    widget.setToolTip(text)
    return widget
